"""``olympix seed-demo INI``: demo accounts (and, per area, demo data).

Idempotent: running it twice changes nothing it already made. Refuses a
production configuration.
"""
import importlib

from ..models import UserState
from ..security.principals import Role
from ..services import accounts
from .common import CommandError, app_request, app_settings

DEMO_DOMAIN = "demo.olympix.test"
DEMO_PEOPLE = (
    (Role.USER, "Camille", "Martin"),
    (Role.EDITOR, "Élise", "Bernard"),
    (Role.AGENT, "Karim", "Diallo"),
    (Role.MANAGER, "Sophie", "Lefèvre"),
    (Role.ADMIN, "Thomas", "Moreau"),
)

# Each area's demo data: a module with ``seed(request)``, run in this order
# (the booking demo needs the catalogue, the gate demo needs tickets).
SEED_MODULES = ("olympix.seed.catalogue", "olympix.seed.content", "olympix.seed.booking",
                "olympix.seed.gate")


def seeders():
    for name in SEED_MODULES:
        yield importlib.import_module(name).seed


def seed_accounts(request, password):
    made = []
    for role, first, last in DEMO_PEOPLE:
        email = f"{role.value}@{DEMO_DOMAIN}"
        user = accounts.find_user(request, email)
        if user is None:
            user = accounts.new_user(request, email=email, first_name=first, last_name=last,
                                     password=password, role=role, state=UserState.ACTIVE)
        made.append(user)
    return made


def run_seed_demo(args):
    if app_settings(args.ini)["olympix.production"]:
        raise CommandError("refusing to load demo data into a production configuration")
    with app_request(args.ini) as request:
        people = seed_accounts(request, args.demo_password)
        for seed in seeders():
            seed(request)
    print("demo accounts (password: %s):" % args.demo_password)
    for user in people:
        print(f"  {user.role:<8} {user.email}")


def add_commands(sub):
    p = sub.add_parser("seed-demo", help="load demo data and demo accounts (never in production)")
    p.add_argument("ini")
    p.add_argument("--demo-password", default="olympix-demo")
    p.set_defaults(run=run_seed_demo)
