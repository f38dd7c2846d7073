"""What a drill counts: each purchase as the buyer saw it, and the figures printed at the end."""
from dataclasses import dataclass, field


@dataclass
class Purchase:
    buyer: str
    seats: int
    started: float = 0.0
    confirmed_at: float | None = None
    reference: str | None = None
    refused: bool = False  # sold out: a clean answer, not an error
    errors: int = 0
    problem: str | None = None


@dataclass
class Report:
    setup: str
    capacity: int
    attempted: int = 0
    confirmed: int = 0
    found: int = 0
    lost: int = 0
    refused: int = 0
    unfinished: int = 0
    oversold: int = 0
    seats_left: int = 0
    seats_sold: int = 0
    seats_held: int = 0
    paid_without_tickets: int = 0
    errors_shown: int = 0
    paid_in_database: int = 0
    writer_death_to_next_purchase: float | None = None
    node_back_in_cluster: float | None = None
    server_back: float | None = None
    seconds: float = 0.0
    events: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def ok(self):
        return (self.lost == 0 and self.oversold == 0 and self.paid_without_tickets == 0
                and self.seats_left + self.seats_sold + self.seats_held == self.capacity)

    def text(self):
        def s(value):
            return "-" if value is None else f"{value:.1f} s"

        lines = [f"drill ({self.setup}), {self.seconds:.0f} s:"]
        lines += [f"  {when:7.1f} s  {what}" for when, what in self.events]
        lines += [
            f"purchases attempted               {self.attempted}",
            f"confirmed to the buyer            {self.confirmed}",
            f"found in the database (tickets)   {self.found}",
            f"lost                              {self.lost}",
            f"refused (sold out)                {self.refused}",
            f"not finished in time              {self.unfinished}",
            f"seats oversold                    {self.oversold}",
            f"seats left + sold + held          {self.seats_left} + {self.seats_sold} + {self.seats_held} "
            f"= {self.seats_left + self.seats_sold + self.seats_held} (capacity {self.capacity})",
            f"paid orders without their tickets {self.paid_without_tickets}",
            f"errors shown to buyers            {self.errors_shown}",
        ]
        if self.writer_death_to_next_purchase is not None or self.setup == "galera":
            lines.append(f"writer's death -> next purchase   {s(self.writer_death_to_next_purchase)}")
        if self.node_back_in_cluster is not None:
            lines.append(f"killed node back in the cluster   {s(self.node_back_in_cluster)}")
        if self.server_back is not None:
            lines.append(f"restarted server answering again  {s(self.server_back)}")
        lines.append("RESULT: " + ("nothing lost, nothing oversold" if self.ok() else "FAILED"))
        return "\n".join(lines)
