"""Whether a park receiver may take an offer that is a hazardous waste: by the waste's own code (a stream's
危险废物代码) or its resource type's category, against the receiver's basis (接收危险废物的依据) and its permit's
approved scope (park_keys.py). ok / unknown (待核实) / refused, with the reason in both languages.

A stream coded as hazardous waste is never a general industrial solid waste of the same look (incinerator fly ash
HW18 is not coal fly ash): its resource type must itself be a hazardous one, else the pair is refused. An
exemption claimed by the receiver is checked, never assumed: the exemption annex's point-to-point item (第31项)
holds only under a plan the provincial authority has determined, which a survey does not show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .hw_codes import HwCode, HwCodeProblem, covers, parse_code, scope_text
from .knowledge import Knowledge

if TYPE_CHECKING:
    from .survey import Enterprise

FACT = "https://w3id.org/cpkb/id/fact/"
CODE_QUALITY = "https://w3id.org/cpkb/id/quality/hazardous-waste-code"


def offer_code(kb: Knowledge, resource: str, qualities: dict) -> tuple[HwCode | None, bool]:
    """The offer's code (its own, else its resource type's category) and whether the offer wrote it itself."""
    own = qualities.get(CODE_QUALITY)
    if own:
        try:
            return parse_code(own[0]), True
        except HwCodeProblem:
            pass
    codes = kb.resources.get(resource, {}).get("hw_codes") or []
    return (HwCode(sorted(codes)[0]) if codes else None), False


def receipt(kb: Knowledge, resource: str, qualities: dict, receiver: "Enterprise | None") -> tuple[str, dict | None]:
    """ok / unknown / refused / plan for an offer to a receiver, and the note saying why (None for no hazardous
    waste). `plan` is refused today for want of a licence or exemption, but could be allowed under a provincial
    point-to-point plan (exemption annex item 31) — the park may apply for one."""
    code, own = offer_code(kb, resource, qualities)
    if code is None:
        return "ok", None
    shown = str(code)
    if own and not kb.resources.get(resource, {}).get("hw_codes"):
        label = kb.label(resource)
        return "refused", {
            "zh": f"危险废物（{shown}）：按危险废物管理，不是一般工业固体废物“{label['zh']}”，不能按{label['zh']}利用；"
                  "须交由持有相应类别危险废物经营许可证的单位利用或处置。",
            "en": f"hazardous waste ({shown}): managed as hazardous waste, it is not the general industrial solid waste "
                  f"'{label['en']}' and may not be used as such; only a receiver licensed for its category may take it."}
    answer = (receiver.facts.get(FACT + "hw-receipt-basis") if receiver else None) or ()
    if "licence" in answer:
        return _licensed(receiver, code)
    if "exemption" in answer:
        return "unknown", {
            "zh": f"危险废物（{shown}）：接收方申明符合豁免条件。《国家危险废物名录》附录豁免管理清单第31项“点对点”定向利用"
                  "须依据省级生态环境部门确定的方案（调查表未载明已批准）；核实已有批准方案，或该废物属清单其他项并满足其条件后，"
                  "才能转移。",
            "en": f"hazardous waste ({shown}): the receiver claims an exemption. Point-to-point directed utilisation "
                  "(item 31 of the catalogue's exemption annex) holds only under a plan the provincial authority has "
                  "determined, which the survey does not show; check the approved plan, or that another item of the "
                  "annex applies with its conditions, before any transfer."}
    if "none" in answer:
        return "plan", {"zh": f"危险废物（{shown}）：接收方既无经营许可证也不符合豁免条件，不能接收；只有经省级生态环境部门"
                                 "确定“点对点”定向利用方案（名录附录豁免清单第31项）后，才可按方案利用，可作为申请建议。",
                           "en": f"hazardous waste ({shown}): the receiver has neither a licence nor an exemption and "
                                 "may not take it; only under a point-to-point plan the provincial authority has "
                                 "determined (item 31 of the catalogue's exemption annex) could it, which may be "
                                 "proposed as an application."}
    return "unknown", {"zh": f"危险废物（{shown}）：未填接收方接收危险废物的依据（许可证或豁免），须核实后才能转移。",
                       "en": f"hazardous waste ({shown}): the receiver's basis for taking it (licence or exemption) is "
                             "not given; check before any transfer."}


def _licensed(receiver: "Enterprise", code: HwCode) -> tuple[str, dict]:
    """A licensed receiver: its approved scope, where the survey gives it, must cover the code."""
    shown = str(code)
    permit = receiver.hw_permit if receiver is not None else {}
    number = f"（编号 {permit['number']}）" if permit.get("number") else ""
    scope = permit.get("scope")
    if not scope:
        return "ok", {"zh": f"危险废物（{shown}）：接收方持有危险废物经营许可证{number}，转移须执行联单，并核实许可类别含{shown}。",
                      "en": f"hazardous waste ({shown}): the receiver holds a licence; transfer under a manifest, and "
                            f"check the licence covers {shown}."}
    approved = scope_text(scope)
    covered = covers(scope, code)
    if covered:
        return "ok", {"zh": f"危险废物（{shown}）：接收方危险废物经营许可证{number}核准类别{approved}含该废物，转移须执行联单。",
                      "en": f"hazardous waste ({shown}): the receiver's licence covers it ({approved}); transfer under "
                            "a manifest."}
    if covered is None:
        return "unknown", {"zh": f"危险废物（{shown}）：接收方许可证只核准{approved}，供方未填8位废物代码，须核实代码在核准范围内。",
                           "en": f"hazardous waste ({shown}): the receiver's licence covers only {approved}; the offer "
                                 "gives no eight-digit code, check it is among them."}
    return "refused", {"zh": f"危险废物（{shown}）：接收方危险废物经营许可证{number}核准类别为{approved}，不含该废物，不能接收。",
                       "en": f"hazardous waste ({shown}): the receiver's licence covers {approved}, not this waste; it "
                             "may not take it."}
