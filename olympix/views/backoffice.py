"""The back office's own pages: its home and the managers' figures. The audit
log is in views/audit.py; account deactivation is with people and roles
(views/people.py).

What the home offers is computed from permissions on the resources
(``request.has_permission``), never from the role's name: the ACLs decide.
"""
import csv
import io
from dataclasses import dataclass, replace

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from ..i18n import _
from ..resources.backoffice import BackofficeFolder, FiguresPage
from ..security.permissions import Permission
from ..services import charts, figures

T = "olympix:templates/backoffice/{}.jinja2"


@dataclass(frozen=True)
class Section:
    """A task on the home page: shown when the permission holds on its resource."""

    path: tuple  # names from the root
    view: str
    title: str
    text: str
    permission: str


SECTIONS = (
    Section(("backoffice", "content"), "", _("Content tasks"),
            _("Write pages, FAQ entries, news and event texts; submit them for validation."),
            Permission.CONTENT_EDIT),
    Section(("backoffice", "content"), "queue", _("Validation queue"),
            _("Read what editors submitted; publish it or send it back with a note."),
            Permission.CONTENT_PUBLISH),
    Section(("backoffice", "contact"), "", _("Contact messages"),
            _("Read what people wrote through the contact form; mark each message handled."),
            Permission.CONTACT_READ),
    Section(("backoffice", "figures"), "", _("Figures"),
            _("Sales per day, offer, event and sport; seats left; attendance; connections; anomalies."),
            Permission.STATS_VIEW),
    Section(("backoffice", "queues"), "", _("Waiting rooms"),
            _("The queues in front of coming sales: length, admissions, wait; holds that keep lapsing."),
            Permission.STATS_VIEW),
    Section(("backoffice", "people"), "", _("People and roles"),
            _("Find a person and change their role."), Permission.ROLE_GRANT_EDITOR),
    Section(("backoffice", "orders"), "", _("Orders"),
            _("Find an order by its reference; cancel and refund it, or one of its tickets."),
            Permission.ORDER_REFUND),
    Section(("gate",), "", _("Gate"),
            _("Scan tickets at a gate and see at once whether to let the holder in."),
            Permission.GATE_SCAN),
    Section(("gate",), "history", _("My scans"),
            _("Every ticket you scanned, with its verdict."), Permission.GATE_SCAN),
    Section(("backoffice", "gates"), "", _("Gates and device tokens"),
            _("Open and close gates; create and revoke the tokens of scanning devices."),
            Permission.ADMIN),
    Section(("backoffice", "audit"), "", _("Audit log"),
            _("Every sensitive action, chained by hash so that no change goes unnoticed."),
            Permission.ADMIN),
)


def _resource(request, path):
    """The resource at ``path``, or None when its area is not installed."""
    resource = request.root
    try:
        for name in path:
            resource = resource[name]
    except KeyError:
        return None
    return resource


def sections_for(request):
    """(section, url) for every task this person may do, in SECTIONS order."""
    out = []
    for section in SECTIONS:
        resource = _resource(request, section.path)
        if resource is not None and request.has_permission(section.permission, resource):
            url = request.resource_url(resource, *((f"@@{section.view}",) if section.view else ()))
            out.append((section, url))
    return out


def includeme(config):
    config.add_nav_item("/backoffice/", _("Back office"), Permission.BACKOFFICE_VIEW, order=80)


# --- home -------------------------------------------------------------------

@view_config(context=BackofficeFolder, renderer=T.format("home"), permission=Permission.BACKOFFICE_VIEW)
def home(context, request):
    glance = None
    figures_page = _resource(request, ("backoffice", "figures"))
    if figures_page is not None and request.has_permission(Permission.STATS_VIEW, figures_page):
        glance = figures.glance(request)
    return {"sections": sections_for(request), "glance": glance}


# --- figures ----------------------------------------------------------------

def _period_of(request):
    period, problem = figures.parse_period(request, request.params.get("from", "")[:10],
                                           request.params.get("to", "")[:10])
    return period, problem


def _day_label(request, day):
    """A chart's day in the reader's way: 04/08 (fr), 4 Aug (en)."""
    return request.fmt.date(day, "day")


def _charts(request, tables):
    tr = request.localizer.translate
    no_data = tr(_("No data for this period"))
    days = [_day_label(request, r["day"]) for r in tables["sales_per_day"]]
    sales = tables["sales_per_day"]
    conn = tables["connections_per_day"]
    anomalies = tables["anomalies_per_day"]
    offers = tables["sales_per_offer"]
    return {
        "sales_per_day": charts.bar_chart(
            tr(_("Tickets sold per day")),
            tr(_("Bar chart: tickets sold each day of the period; the table beside it gives the numbers.")),
            days, [r["tickets"] for r in sales], no_data=no_data),
        "revenue_per_day": charts.line_chart(
            tr(_("Revenue per day (€)")),
            tr(_("Line chart: revenue in euros each day of the period.")),
            days, [(tr(_("Revenue")), [r["revenue_eur"] for r in sales])], no_data=no_data),
        "sales_per_offer": charts.bar_chart(
            tr(_("Tickets sold per offer")),
            tr(_("Bar chart: tickets sold with the Solo, Duo and Family offers.")),
            [request.fmt.offer_name(r["offer"]) for r in offers], [r["tickets"] for r in offers],
            no_data=no_data),
        "connections_per_day": charts.line_chart(
            tr(_("Connections per day")),
            tr(_("Line chart: sign-ins and distinct visitors each day of the period.")),
            [_day_label(request, r["day"]) for r in conn],
            [(tr(_("Sign-ins")), [r["sign_ins"] for r in conn]),
             (tr(_("Distinct visitors")), [r["visitors"] for r in conn])], no_data=no_data),
        "anomalies_per_day": charts.bar_chart(
            tr(_("Anomalies per day")),
            tr(_("Bar chart: anomalies detected each day (forged codes, repeated scans, wrong gate or day, "
                 "codes voided by wrong tries, bursts of declined payments).")),
            [_day_label(request, r["day"]) for r in anomalies], [r["total"] for r in anomalies], no_data=no_data),
    }


# Per-day tables: on the page, days where every count is zero are left out
# (fourteen rows of zeros came before the first sale); the charts and the CSV
# keep every day. What each says when no day is left.
PER_DAY_EMPTY = {
    "sales_per_day": _("No sales in this period."),
    "connections_per_day": _("No connections in this period."),
    "anomalies_per_day": _("No anomalies in this period."),
}


def _days_with_something(spec, rows):
    counted = [c.key for c in spec.columns if c.kind in ("int", "money")]
    return [row for row in rows if any(row[key] for key in counted)]


def _shown(tables):
    """The rows the page lists: the per-day tables without their empty days."""
    shown = dict(tables)
    for name in PER_DAY_EMPTY:
        shown[name] = _days_with_something(figures.TABLES[name], tables[name])
    return shown


#: Tables with a column per kind: the page shows only the kinds seen in the
#: period (a dozen kinds of anomaly do not fit 1280 px); the CSV has them all.
PER_KIND = ("anomalies_per_day", "anomalies_per_venue")


def _page_specs(tables):
    specs = dict(figures.TABLES)
    for name in PER_KIND:
        spec = specs[name]
        columns = tuple(c for c in spec.columns if c.kind != "int" or c.key == "total"
                        or any(row[c.key] for row in tables[name]))
        specs[name] = replace(spec, columns=columns)
    return specs


@view_config(context=FiguresPage, renderer=T.format("figures"), permission=Permission.STATS_VIEW)
def figures_view(context, request):
    period, problem = _period_of(request)
    if request.params.get("format") == "csv":
        return _csv(request, period)
    tables = figures.all_tables(request, period)
    return {
        "period": period, "problem": problem, "tables": _shown(tables), "specs": _page_specs(tables),
        "empty": PER_DAY_EMPTY,
        "totals": figures.totals(tables), "charts": _charts(request, tables),
        "csv_url": lambda name: request.resource_url(context, query={
            "from": period.first.isoformat(), "to": period.last.isoformat(), "format": "csv", "table": name}),
    }


def _csv(request, period):
    name = request.params.get("table", "")
    spec = figures.TABLES.get(name)
    if spec is None:
        raise HTTPNotFound()
    rows = figures.table(request, name, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.key for column in spec.columns])
    for row in rows:
        values = []
        for column in spec.columns:
            value = row.get(column.key)
            if column.key == "kind":
                value = request.fmt.anomaly(value)
            elif column.key == "offer":
                value = request.fmt.offer_name(value)
            values.append(figures.cell_text(column, value))
        writer.writerow(values)
    filename = f"olympix-{name}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response = Response(body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
                        content_type="text/csv", charset="utf-8")
    response.content_disposition = f'attachment; filename="{filename}"'
    response.cache_control = "no-store"
    return response
