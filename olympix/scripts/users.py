"""``olympix create-user INI``: how an operator makes the first administrator."""
import getpass
import sys

import colander

from ..models import UserState
from ..schemas.account import email_node, name_node, password_validator
from ..security.principals import Role
from ..services import accounts
from .common import CommandError, app_request


def read_password(args):
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise CommandError("the two passwords differ")
    return password


def validated(args, password):
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(email_node())
    schema.add(name_node("first name", "given-name", name="first_name"))
    schema.add(name_node("last name", "family-name", name="last_name"))
    schema.add(colander.SchemaNode(colander.String(), name="password", validator=password_validator))
    try:
        return schema.deserialize({"email": args.email, "first_name": args.first_name,
                                   "last_name": args.last_name, "password": password})
    except colander.Invalid as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in exc.asdict().items())
        raise CommandError(problems) from None


def run_create_user(args):
    data = validated(args, read_password(args))
    with app_request(args.ini) as request:
        if accounts.find_user(request, data["email"]) is not None:
            raise CommandError(f"an account already uses {data['email']}")
        user = accounts.new_user(request, role=Role(args.role), state=UserState.ACTIVE, **data)
        print(f"created {user.role} {user.email} (id {user.id})")


def add_commands(sub):
    p = sub.add_parser("create-user", help="create an active account with a role")
    p.add_argument("ini")
    p.add_argument("--email", required=True)
    p.add_argument("--first-name", required=True)
    p.add_argument("--last-name", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(run=run_create_user)
