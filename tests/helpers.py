"""Test helpers: a small hand-made catalogue of real comuni and builders for inputs.

The small catalogue lives around Trescore Balneario (BG, 016218):

- Casazza (016058) is about 6.8 km away, Endine Gaiano (016093) about 14 km,
  Lovere (016128) about 21.6 km (just beyond the default 20 km limit) and
  Tradate (012127, VA) about 72 km.
- Every service passes the default quality policy at ``REFERENCE_DATE`` except
  ``NIDO-BADQ`` (not accredited) and ``NIDO-OLD`` (verified 366 days earlier).
- ``TRASPORTO`` and ``LUDOTECA`` have an empty ``needs`` column.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from recommender.catalogue import CATALOGUE_COLUMNS
from recommender.intake import Intake, parse_intake

REFERENCE_DATE = date(2026, 11, 22)

TRESCORE = "016218"
CASAZZA = "016058"
ENDINE = "016093"
LOVERE = "016128"
TRADATE = "012127"

NEED_KEYS = {"need", "source", "score", "evidence"}
RESULT_KEYS = {"rank", "service_id", "name", "need", "score", "distance_km", "explanation"}

_DEFAULTS: dict[str, str] = {
    "service_id": "",
    "name": "",
    "description": "",
    "provider_id": "P01",
    "provider_name": "Cooperativa Sociale La Valle",
    "comune_istat": TRESCORE,
    "lat": "",
    "lon": "",
    "delivery": "on_site",
    "service_area_istat": "",
    "needs": "",
    "age_min": "",
    "age_max": "",
    "isee_max": "",
    "requires_disability_certification": "false",
    "funding": "municipal_voucher;private",
    "price_eur": "",
    "accredited": "true",
    "ethical_charter": "true",
    "last_verified": "2026-09-01",
    "rating": "4.2",
    "complaints_12m": "0",
}

SMALL_SERVICES: list[dict[str, str]] = [
    {
        "service_id": "NIDO-TRESCORE", "name": "Asilo nido comunale Girotondo",
        "description": "Nido d'infanzia per bambini da 3 mesi a 3 anni, orario 7.30-16.00. Retta mensile ridotta con il voucher comunale.",
        "needs": "childcare", "age_min": "0", "age_max": "3", "price_eur": "420", "rating": "4.5",
    },
    {
        "service_id": "NIDO-BADQ", "name": "Asilo nido Il Nido dei Bimbi",
        "description": "Asilo nido e micronido per bambini: il nido più grande della valle, nido aperto tutto l'anno, "
                       "nido con cucina interna, nido con giardino, posti al nido anche per lattanti.",
        "comune_istat": CASAZZA, "needs": "childcare", "age_min": "0", "age_max": "3",
        "funding": "municipal_voucher;company_welfare;private;free", "accredited": "false", "rating": "5",
    },
    {
        "service_id": "NIDO-OLD", "name": "Asilo nido Primi Passi",
        "description": "Asilo nido per bambini da 6 mesi a 3 anni con sezione lattanti, nido aperto anche a luglio.",
        "comune_istat": CASAZZA, "needs": "childcare", "age_min": "0", "age_max": "3", "last_verified": "2025-11-21",
    },
    {
        "service_id": "NIDO-LOVERE", "name": "Asilo nido sul lago",
        "description": "Asilo nido e micronido per bambini da 3 mesi a 3 anni: nido a tempo pieno, nido part-time, nido estivo.",
        "comune_istat": LOVERE, "needs": "childcare", "age_min": "0", "age_max": "3", "funding": "municipal_voucher;private;free",
    },
    {
        "service_id": "NIDO-ISEE", "name": "Nido solidale Arcobaleno",
        "description": "Posti gratuiti al nido per bambini da 0 a 3 anni di famiglie con ISEE basso.",
        "comune_istat": CASAZZA, "needs": "childcare", "age_min": "0", "age_max": "3", "isee_max": "8000", "funding": "free",
    },
    {
        "service_id": "NIDO-AZIENDALE", "name": "Micronido aziendale Piccoli Passi",
        "description": "Micronido per i figli dei dipendenti delle imprese aderenti, aperto dalle 6.45 alle 19.00 per coprire i turni.",
        "comune_istat": CASAZZA, "needs": "childcare", "age_min": "0", "age_max": "3", "funding": "company_welfare", "price_eur": "480",
    },
    {
        "service_id": "SAD-TRESCORE", "name": "Assistenza domiciliare anziani (SAD)",
        "description": "Operatori socio-sanitari a casa per l'igiene personale, l'alzata e la cura della persona anziana non autosufficiente.",
        "delivery": "home", "service_area_istat": f"{TRESCORE};{CASAZZA}", "needs": "elderly_care", "age_min": "65",
        "price_eur": "18.5",
    },
    {
        "service_id": "SAD-ENDINE", "name": "Assistenza domiciliare anziani Alto Lago",
        "description": "Assistenza domiciliare anziani, igiene personale e aiuto in casa per persone anziane non autosufficienti.",
        "comune_istat": ENDINE, "delivery": "home", "service_area_istat": f"{ENDINE};{LOVERE}", "needs": "elderly_care", "age_min": "65",
    },
    {
        "service_id": "TELESOCCORSO", "name": "Telesoccorso e teleassistenza",
        "description": "Braccialetto con pulsante di chiamata collegato a una centrale attiva 24 ore su 24 per anziani che vivono soli.",
        "comune_istat": TRADATE, "delivery": "home", "service_area_istat": f"{TRADATE};{TRESCORE}", "needs": "elderly_care", "funding": "free",
    },
    {
        "service_id": "TRASPORTO", "name": "Trasporto sociale con pulmino attrezzato",
        "description": "Accompagnamento a visite mediche, ospedale e centri diurni per anziani e persone senza auto, con volontari autisti.",
        "comune_istat": CASAZZA, "lat": "45.7465", "lon": "9.9071", "needs": "", "funding": "free",
    },
    {
        "service_id": "CONTRIBUTO", "name": "Contributo economico comunale",
        "description": "Contributo economico una tantum per famiglie in difficoltà economica: bollette, spese impreviste, affitto.",
        "needs": "income_support;housing", "isee_max": "10000", "funding": "free",
    },
    {
        "service_id": "PSICOLOGO", "name": "Sportello psicologico",
        "description": "Colloqui di sostegno psicologico gratuiti con una psicologa per ansia, lutto e momenti di difficoltà.",
        "needs": "mental_health", "age_min": "18", "funding": "free",
    },
    {
        "service_id": "CDD", "name": "Centro diurno disabili (CDD)",
        "description": "Centro diurno per persone con disabilità grave: laboratori, attività educative e assistenza.",
        "comune_istat": CASAZZA, "needs": "disability", "age_min": "18", "age_max": "65",
        "requires_disability_certification": "true", "funding": "municipal_voucher;free",
    },
    {
        "service_id": "LUDOTECA", "name": "Ludoteca comunale",
        "description": "Spazio gioco per bambini da 3 a 10 anni con educatrici, aperto il pomeriggio dopo la scuola.",
        "needs": "", "age_min": "3", "age_max": "10", "funding": "free",
    },
    {
        "service_id": "CAREGIVER", "name": "Gruppo di auto mutuo aiuto per caregiver",
        "description": "Incontri quindicinali per familiari che assistono una persona anziana o malata: sollievo, confronto e consigli.",
        "needs": "caregiver_support", "funding": "free",
    },
    {
        "service_id": "LAVORO", "name": "Sportello orientamento al lavoro",
        "description": "Orientamento al lavoro, curriculum, colloqui e tirocini per chi cerca un impiego.",
        "comune_istat": CASAZZA, "needs": "employment", "age_min": "16", "funding": "free",
    },
]


def catalogue_row(**overrides: str) -> dict[str, str]:
    """A full catalogue row: a valid default for every column, then the overrides."""
    return {**_DEFAULTS, **overrides}


def catalogue_csv(rows: list[dict[str, str]], header: list[str] | tuple[str, ...] = CATALOGUE_COLUMNS) -> str:
    """CSV text in the contract format (quoted only when needed); missing columns take defaults."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n", extrasaction="ignore", restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow(catalogue_row(**row))
    return buf.getvalue()


def write_catalogue(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(catalogue_csv(rows), encoding="utf-8")
    return path


def write_jsonl(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


def make_intake(**fields: Any) -> Intake:
    """A validated intake from Trescore Balneario unless the fields say otherwise."""
    obj: dict[str, Any] = {"id": "T1", "comune": TRESCORE, "notes": ""}
    obj.update(fields)
    return parse_intake(obj)


def result_ids(result_json: dict[str, Any]) -> list[str]:
    return [r["service_id"] for r in result_json["results"]]
