"""The models of the case lifecycle: the case and what hangs on it (:mod:`.case`), and the counters
kept from the cases (:mod:`.rollups`)."""

from .case import (
    AgreementFollowUp,
    Attachment,
    Card,
    Case,
    CaseCounter,
    CaseEvent,
    CaseParty,
    CaseType,
    CaseUnit,
    Channel,
    ConfirmationToken,
    DeadlinePolicy,
    JointMeeting,
    MediationAgreement,
    MediationSession,
    Notification,
    PartyRole,
    RiskAssessment,
    Satisfaction,
    TextMessage,
    Tier,
    Urgency,
    attachment_path,
)
from .export import CaseExport
from .rollups import (
    COUNTERS,
    DailyGridRollup,
    DailyStreetRollup,
    DailyUnitRollup,
    DueRollup,
    MonthlyCellRollup,
    MonthlyGridRollup,
    MonthlyStreetRollup,
    RecurringRollup,
    RegionRollup,
    TextKey,
)

__all__ = [
    "AgreementFollowUp", "Attachment", "Card", "Case", "CaseCounter", "CaseExport", "CaseEvent", "CaseParty", "CaseType",
    "CaseUnit", "Channel", "ConfirmationToken", "DeadlinePolicy", "JointMeeting", "MediationAgreement",
    "MediationSession", "Notification", "PartyRole", "RiskAssessment", "Satisfaction", "TextMessage", "Tier",
    "Urgency", "attachment_path",
    "COUNTERS", "DailyGridRollup", "DailyStreetRollup", "DailyUnitRollup", "DueRollup", "MonthlyCellRollup", "MonthlyGridRollup",
    "MonthlyStreetRollup", "RecurringRollup", "RegionRollup", "TextKey",
]
