"""One screening as a FHIR R4 Bundle (type "collection"), built and validated with fhir.resources.

Contents:

* a ResearchSubject in the study (a reference by identifier to the ResearchStudy NCT…),
  its status mapped from the pre-screen outcome (`SUBJECT_STATUS`);
* a QuestionnaireResponse with the patient's own answers, one item per fact (linkId = fact key);
* an Observation per known lab value (coded with the trial file's `code:` where it has one,
  else code.text),
  and per clinician fact entered by site staff;
* a Task per open follow-up flag (status "requested", intent "order").

The patient is referred to only by the coded conversation id: no names, phones or e-mails.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from fhir.resources.bundle import Bundle

from bot.criteria.model import FactSpec, Trial, Value

CLINICALTRIALS_GOV = "https://clinicaltrials.gov"
CONVERSATION_SYSTEM = "urn:prescreen:conversation-id"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

#: Pre-screen outcome → R4 ResearchSubject.status (http://hl7.org/fhir/research-subject-status).
#: needs_review: nothing rules the patient out, site staff still have items to check —
#: "potential-candidate" ("a person that is potentially eligible for participation");
#: incomplete: the pre-screen stopped before the end — "screening" ("being evaluated").
SUBJECT_STATUS = {
    "ineligible": "ineligible",
    "likely_eligible": "eligible",
    "needs_review": "potential-candidate",
    "incomplete": "screening",
}

#: the trial's unit text → UCUM code.
UCUM_CODES: Mapping[str, str] = {
    "years": "a",
    "months": "mo",
    "mg/day": "mg/d",
    "IU/mL": "[IU]/mL",
    "×10⁹/L": "10*9/L",
    "mL/min/1.73 m²": "mL/min/{1.73_m2}",
    "mg/dL": "mg/dL",
    "mmol/L": "mmol/L",
    "%": "%",
    "ms": "ms",
}

LAB_SOURCES = frozenset({"lab", "lab-asked"})


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _quantity(value: int | float, unit: str) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value, "unit": unit}
    code = UCUM_CODES.get(unit)
    if code:
        quantity.update(system=UCUM, code=code)
    return quantity


def _answer(spec: FactSpec | None, value: Value) -> dict[str, Any]:
    """A QuestionnaireResponse answer: valueBoolean/Integer/Decimal/String/Quantity."""
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, (int, float)):
        if spec is not None and spec.unit and spec.unit != "titer":
            return {"valueQuantity": _quantity(value, spec.unit)}
        if isinstance(value, int) or (spec is not None and spec.type == "integer"):
            return {"valueInteger": int(value)}
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def _observation_value(spec: FactSpec, value: Value) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, (int, float)):
        if spec.unit == "titer":  # ANA 1:160 is stored as 160
            return {"valueRatio": {"numerator": {"value": 1}, "denominator": {"value": value}}}
        if spec.unit:
            return {"valueQuantity": _quantity(value, spec.unit)}
        if spec.type == "integer":
            return {"valueInteger": int(value)}
        return {"valueQuantity": {"value": value}}
    label = spec.value_labels.get(str(value))
    return {"valueCodeableConcept": {"text": label or str(value)}}


def screening_bundle(
    trial: Trial,
    screening: Mapping[str, Any],
    *,
    generated_at: datetime | None = None,
) -> Bundle:
    """The Bundle for one `bot.store.review.screening_summary` (facts, answers, flags, outcome)."""
    now = generated_at or datetime.now(timezone.utc)
    conversation_id = str(screening["conversation_id"])
    patient_ref = {
        "type": "Patient",
        "identifier": {"system": CONVERSATION_SYSTEM, "value": conversation_id},
        "display": "pre-screen respondent (coded)",
    }
    study_ref = {
        "type": "ResearchStudy",
        "identifier": {"system": CLINICALTRIALS_GOV, "value": trial.id},
        "display": trial.title,
    }
    subject_url = _urn()
    subject_ref = {"reference": subject_url, "type": "ResearchSubject"}
    period: dict[str, str] = {}
    if screening.get("started_at") is not None:
        period["start"] = _iso(screening["started_at"]) or ""
    if screening.get("ended_at") is not None:
        period["end"] = _iso(screening["ended_at"]) or ""
    research_subject: dict[str, Any] = {
        "resourceType": "ResearchSubject",
        "identifier": [{"system": CONVERSATION_SYSTEM, "value": conversation_id}],
        "status": SUBJECT_STATUS[str(screening["outcome"])],
        "study": study_ref,
        "individual": patient_ref,
    }
    if period:
        research_subject["period"] = period
    entries: list[dict[str, Any]] = [{"fullUrl": subject_url, "resource": research_subject}]

    facts: Mapping[str, Value | None] = screening.get("facts", {})
    current = {a["fact"]: a for a in screening.get("answers", []) if a.get("superseded_at") is None}
    ordered = [key for key in trial.facts if key in facts] + [
        key for key in facts if key not in trial.facts
    ]

    items = []
    for key in ordered:
        answer = current.get(key)
        if answer is not None and answer.get("source") != "patient":
            continue  # staff entries are not the patient's answers (see Observations)
        spec = trial.facts.get(key)
        item: dict[str, Any] = {"linkId": key, "text": spec.label if spec else key}
        value = facts[key]
        if value is not None:
            item["answer"] = [_answer(spec, value)]
        items.append(item)
    questionnaire_response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": CONVERSATION_SYSTEM, "value": conversation_id},
        "status": "in-progress" if screening["outcome"] == "incomplete" else "completed",
        "subject": patient_ref,
        "authored": _iso(screening.get("ended_at") or screening.get("started_at") or now),
        "source": {"type": "RelatedPerson", "display": "parent or guardian (coded)"}
        if screening.get("respondent") == "guardian"
        else patient_ref,
        "item": items,
    }
    if screening.get("language"):  # the language the patient answered in (a BCP-47 code)
        questionnaire_response["language"] = screening["language"]
    if not items:
        del questionnaire_response["item"]
    entries.append({"fullUrl": _urn(), "resource": questionnaire_response})

    for key in ordered:
        spec = trial.facts.get(key)
        value = facts[key]
        if spec is None or value is None:
            continue
        answer = current.get(key) or {}
        by_staff = answer.get("source") == "staff"
        if spec.source not in LAB_SOURCES and not by_staff:
            continue
        code: dict[str, Any] = {"text": spec.staff}
        if spec.code is not None:  # the trial file's terminology code (LOINC …)
            code["coding"] = [
                {"system": spec.code.system, "code": spec.code.code, "display": spec.code.display}
            ]
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            # staff entered it from the record; a patient's recollection is preliminary
            "status": "final" if by_staff else "preliminary",
            "code": code,
            "subject": patient_ref,
            "focus": [subject_ref],
            **_observation_value(spec, value),
        }
        if spec.source in LAB_SOURCES:
            observation["category"] = [
                {"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}
            ]
        if answer.get("at") is not None:
            observation["issued"] = _iso(answer["at"])
        if by_staff:
            observation["note"] = [{"text": "entered by site staff"}]
        else:
            observation["note"] = [{"text": "reported by the patient in the pre-screen chat"}]
        entries.append({"fullUrl": _urn(), "resource": observation})

    for flag in screening.get("flags", []):
        if flag.get("status") != "open":
            continue
        spec = trial.facts.get(flag["fact"])
        label = spec.label if spec else flag["fact"]
        criteria = ", ".join(flag.get("criteria") or [])
        task: dict[str, Any] = {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "code": {"text": f"obtain {flag['fact']}"},
            "description": (
                f"Obtain {label} ({flag['fact']}, {flag['kind']} follow-up) "
                f"for criteria {criteria or 'n/a'}"
            ),
            "focus": subject_ref,
            "for": patient_ref,
            "authoredOn": _iso(flag.get("created_at") or now),
        }
        entries.append({"fullUrl": _urn(), "resource": task})

    bundle = Bundle.parse_obj(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": _iso(now),
            "identifier": {"system": CONVERSATION_SYSTEM, "value": f"{conversation_id}/export"},
            "entry": entries,
        }
    )
    return bundle


def bundle_json(bundle: Bundle) -> str:
    """The Bundle as JSON, checked by parsing it back (raises if it does not round-trip)."""
    text: str = bundle.json(indent=2)
    Bundle.parse_raw(text)
    return text
