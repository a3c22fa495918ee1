"""Italian explanations a welfare manager can read aloud and check.

"Risponde a: assistenza anziani · 3,2 km · accreditato, verificato 09/2026 · pagabile con
credito welfare aziendale". Every fragment is a fact the engine used, never a guess.
"""

from __future__ import annotations

from recommender.catalogue import Service
from recommender.intake import Intake
from recommender.needs import label_it

FUNDING_IT = {
    "company_welfare": "pagabile con credito welfare aziendale",
    "municipal_voucher": "con voucher comunale",
    "solidarity_fund": "coperto dal fondo di solidarietà",
    "free": "gratuito",
    "private": "a pagamento",
}


def _km(d: float) -> str:
    return f"{d:.1f}".replace(".", ",") + " km"


def _euro(x: float) -> str:
    return f"{x:,.0f}".replace(",", ".") + " €"


def explain(service: Service, need: str, also_needs: tuple[str, ...], distance_km: float, intake: Intake, evidence: str = "") -> str:
    parts = []
    needs_txt = label_it(need) if need else "bisogni espressi"
    if also_needs:
        needs_txt += " (anche " + ", ".join(label_it(n) for n in also_needs) + ")"
    parts.append(f"Risponde a: {needs_txt}")

    if service.delivery == "on_site":
        parts.append(_km(distance_km))
    elif service.delivery == "home":
        parts.append(f"a domicilio a {intake.comune.name}")
    else:
        parts.append("a distanza (online o telefono)")

    quality = []
    if service.accredited:
        quality.append("accreditato")
    if service.ethical_charter:
        quality.append("carta etica")
    if service.last_verified:
        quality.append(f"verificato {service.last_verified:%m/%Y}")
    if service.rating is not None:
        quality.append(f"valutazione {service.rating:.1f}".replace(".", ",") + "/5")
    if quality:
        parts.append(", ".join(quality))

    elig = []
    if service.age_min is not None or service.age_max is not None:
        if service.age_max is None:
            if service.age_min:
                elig.append(f"dai {service.age_min} anni")
        elif service.age_min in (None, 0):
            elig.append(f"fino a {service.age_max} anni")
        else:
            elig.append(f"{service.age_min}-{service.age_max} anni")
    if service.isee_max is not None:
        elig.append(f"ISEE fino a {_euro(service.isee_max)}")
    if service.requires_disability_certification:
        elig.append("serve certificazione L.104/invalidità")
    if elig:
        parts.append(", ".join(elig))

    usable = service.funding & intake.funding if intake.funding is not None else service.funding
    if "free" in service.funding:
        parts.append(FUNDING_IT["free"])
    else:
        order = ["company_welfare", "municipal_voucher", "solidarity_fund", "private"]
        fund = [FUNDING_IT[f] for f in order if f in usable]
        if fund:
            text = " o ".join(fund)
            if service.price_eur is not None and "private" in usable:
                text += f" ({service.price_eur:g} €)".replace(".", ",")
            parts.append(text)
    if evidence:
        short = evidence if len(evidence) <= 90 else evidence[:87].rstrip() + "…"
        parts.append(f"dalle note: «{short}»")
    return " · ".join(parts)
