"""Fixed vocabularies taken from the DfE engagement model guidance.

These are statutory or near-statutory terms and so are closed enums; everything a trust may
choose (descriptor scale, prompt hierarchy, settings) lives in trust configuration instead.
"""

from enum import StrEnum

#: The "how established" descriptors a trust starts with, least to most; words, never numbers.
DEFAULT_DESCRIPTOR_SCALE = ("emerging", "developing", "established", "secure", "generalised")


class Area(StrEnum):
    """The five areas of engagement; interrelated and not hierarchical."""

    EXPLORATION = "exploration"
    REALISATION = "realisation"
    ANTICIPATION = "anticipation"
    PERSISTENCE = "persistence"
    INITIATION = "initiation"


class AreaOfNeed(StrEnum):
    """The four broad areas of need an EHC plan's outcomes are organised under."""

    COMMUNICATION_AND_INTERACTION = "communication_and_interaction"
    COGNITION_AND_LEARNING = "cognition_and_learning"
    SOCIAL_EMOTIONAL_AND_MENTAL_HEALTH = "social_emotional_and_mental_health"
    SENSORY_AND_PHYSICAL = "sensory_and_physical"


class OutcomeTerm(StrEnum):
    """How far off an EHC plan target is; schools plan long, medium and short-term steps."""

    LONG = "long"
    MEDIUM = "medium"
    SHORT = "short"


class KeyStage(StrEnum):
    """Key stage of a pupil; KS2 decides the statutory data return."""

    EYFS = "EYFS"
    KS1 = "KS1"
    KS2 = "KS2"
    KS3 = "KS3"
    KS4 = "KS4"
    KS5 = "KS5"


class SubtleResponse(StrEnum):
    """Subtle responses the guidance asks observers to notice and record."""

    EYE_MOVEMENT = "eye_movement"
    PUPIL_DILATION = "pupil_dilation"
    STILLING = "stilling"
    BREATHING_CHANGE = "breathing_change"
    TENSING = "tensing"
    RELAXING = "relaxing"
    POSTURE_CHANGE = "posture_change"
    FACIAL_EXPRESSION = "facial_expression"
    VOCALISATION = "vocalisation"
    MOUTH_MOVEMENT = "mouth_movement"
    HAND_MOVEMENT = "hand_movement"
    FOOT_MOVEMENT = "foot_movement"


class Quality(StrEnum):
    """Words, not numbers, for accuracy, confidence and consistency of a response."""

    NOT_YET = "not_yet"
    SOMETIMES = "sometimes"
    OFTEN = "often"
    ALWAYS = "always"


class ContributorRole(StrEnum):
    """Who may contribute to an observation: the guidance wants every professional and parents."""

    TEACHER = "teacher"
    TEACHING_ASSISTANT = "teaching_assistant"
    SENCO = "senco"
    THERAPIST = "therapist"
    PARENT_CARER = "parent_carer"
    OTHER_PROFESSIONAL = "other_professional"
