"""What the demo trust is made of: invented schools, pupils' names, activities, provision and
EHC outcomes, in the trust's default vocabularies. Nothing here describes a real person."""

from __future__ import annotations

from dataclasses import dataclass

from engagement_shared.auth.principal import Role

TRUST_ID = "demo-trust"
TRUST_NAME = "Riverside Learning Trust"
MAX_BATCH = 500
TOKEN_TTL_SECONDS = 24 * 3600

# --- the trust's default vocabularies (observation_ingest.core.trust_config.TrustConfig) -------------
SCALE = ["emerging", "developing", "established", "secure", "generalised"]
PROMPTS = ["fully_supported", "physical_prompt", "modelled", "gestural", "verbal", "independent"]
QUALITY = ["not_yet", "sometimes", "often", "always"]
AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]
NEEDS = ["communication_and_interaction", "cognition_and_learning", "social_emotional_and_mental_health", "sensory_and_physical"]

# --- invented schools, classes and staff -------------------------------------------------------------
# Listed in name order, the order GET /v1/schools returns them, so "the first school" is stable.
SCHOOLS: list[tuple[str, str, tuple[str, str]]] = [
    ("A", "Alder Brook School", ("Otters", "Kingfishers")),
    ("B", "Heron Fields Special School", ("Badgers", "Wrens")),
    ("C", "Willowmere Academy", ("Hedgehogs", "Swifts")),
]
FIRST_NAMES = [
    "Pebble", "Juniper", "Comet", "Maple", "Sparrow", "Nimbus", "Clover", "Marble", "Tansy", "Bramble",
    "Acorn", "Puffin", "Sorrel", "Quill", "Fennel", "Biscuit", "Pixel", "Thistle", "Sprocket", "Nutmeg",
    "Ripple", "Tumble", "Saffron", "Cobble", "Dandelion", "Kipper", "Teasel", "Zephyr", "Button", "Conker",
]
COMMUNICATION = ["eye pointing", "a single-message switch", "objects of reference", "vocalising", "reaching and touching",
                 "Makaton signs with support", "facial expression and body language", "a two-choice eye-gaze board"]


@dataclass(frozen=True)
class Activity:
    """An activity or stimulus, with where it happens and what it tends to bring out."""

    name: str
    settings: tuple[str, ...]
    senses: tuple[str, ...]
    equipment: tuple[str, ...]
    need: str
    responses: tuple[str, ...]
    specialist: str | None = None


ACTIVITIES: list[Activity] = [
    Activity("Sensory story: a trip to the seaside", ("sensory_room", "classroom"), ("visual", "auditory", "tactile", "olfactory"),
             ("spray bottle of sea water", "shell wind chime", "bag of sand"), "communication_and_interaction",
             ("stilling", "eye_movement", "facial_expression", "breathing_change")),
    Activity("Switch toy: light-up spinner on a big red switch", ("classroom", "sensory_room"), ("visual", "auditory"),
             ("big red switch", "light-up spinner"), "cognition_and_learning",
             ("hand_movement", "eye_movement", "vocalisation", "facial_expression")),
    Activity("Water play with pouring jugs and floating ducks", ("classroom", "outdoors"), ("tactile", "visual"),
             ("pouring jug", "floating ducks", "watering can"), "sensory_and_physical",
             ("hand_movement", "facial_expression", "vocalisation", "relaxing")),
    Activity("Music session: ocean drum and call-and-response singing", ("hall", "classroom"), ("auditory", "vestibular"),
             ("ocean drum", "rain stick", "tambourine"), "communication_and_interaction",
             ("vocalisation", "stilling", "foot_movement", "posture_change"), "music_therapist"),
    Activity("Messy play with cornflour gloop", ("classroom", "outdoors"), ("tactile", "visual"),
             ("tray of cornflour gloop", "wooden spoons"), "sensory_and_physical",
             ("hand_movement", "tensing", "relaxing", "facial_expression")),
    Activity("Hydrotherapy session", ("hydrotherapy_pool",), ("tactile", "vestibular", "proprioceptive"),
             ("float noodle", "water spray toy"), "sensory_and_physical",
             ("relaxing", "vocalisation", "breathing_change", "foot_movement"), "hydrotherapy_instructor"),
    Activity("Attention Autism session: the bucket", ("classroom", "hall"), ("visual", "auditory"),
             ("attention bucket", "wind-up toy", "bubble machine"), "social_emotional_and_mental_health",
             ("eye_movement", "stilling", "facial_expression", "pupil_dilation")),
    Activity("Intensive interaction with a familiar adult", ("classroom", "soft_play"), ("auditory", "visual", "tactile"),
             ("mirror", "favourite blanket"), "communication_and_interaction",
             ("vocalisation", "facial_expression", "mouth_movement", "eye_movement"), "speech_and_language_therapist"),
    Activity("Dark den with UV torches and fibre optics", ("sensory_room",), ("visual", "tactile"),
             ("UV torch", "fibre-optic strands", "glow ball"), "cognition_and_learning",
             ("eye_movement", "pupil_dilation", "hand_movement", "stilling")),
    Activity("Soft play: rolling on the wedge and the ball pool", ("soft_play",), ("vestibular", "proprioceptive", "tactile"),
             ("foam wedge", "ball pool"), "sensory_and_physical",
             ("posture_change", "vocalisation", "relaxing", "foot_movement"), "physiotherapist"),
    Activity("Snack time: choosing between two snacks", ("dining_room", "classroom"), ("gustatory", "olfactory", "visual"),
             ("two-choice board", "snack pots"), "communication_and_interaction",
             ("eye_movement", "mouth_movement", "hand_movement", "vocalisation"), "speech_and_language_therapist"),
    Activity("Sensory walk round the school garden", ("outdoors", "community"), ("olfactory", "auditory", "tactile", "vestibular"),
             ("herb planter", "wind chimes", "bark chips"), "social_emotional_and_mental_health",
             ("stilling", "breathing_change", "posture_change", "facial_expression")),
    Activity("Resonance board with vibrating toys", ("classroom", "sensory_room"), ("proprioceptive", "auditory", "tactile"),
             ("resonance board", "vibrating snake"), "sensory_and_physical",
             ("stilling", "foot_movement", "hand_movement", "relaxing"), "occupational_therapist"),
    Activity("Bubble play with a bubble gun", ("classroom", "outdoors", "hall"), ("visual", "tactile"),
             ("bubble gun", "bubble tube"), "social_emotional_and_mental_health",
             ("eye_movement", "facial_expression", "vocalisation", "hand_movement")),
]
HOME_ACTIVITIES: list[Activity] = [
    Activity("Bath time with bubbles and a light-up duck", ("home",), ("tactile", "visual"), ("light-up duck",), "sensory_and_physical",
             ("relaxing", "vocalisation", "hand_movement")),
    Activity("Bedtime story with a torch and a textured blanket", ("home",), ("visual", "tactile", "auditory"), ("torch", "textured blanket"),
             "communication_and_interaction", ("stilling", "eye_movement", "facial_expression")),
    Activity("Baking biscuits: stirring and smelling the dough", ("home",), ("olfactory", "tactile", "gustatory"), ("mixing bowl", "wooden spoon"),
             "cognition_and_learning", ("hand_movement", "facial_expression", "mouth_movement")),
    Activity("Music in the kitchen: shaking a tambourine to a favourite song", ("home",), ("auditory", "vestibular"), ("tambourine",),
             "social_emotional_and_mental_health", ("vocalisation", "foot_movement", "facial_expression")),
]
PROVISIONS: list[tuple[str, str]] = [
    ("Blackout tent to cut visual distraction", "Attended to the light for longer"),
    ("Object of reference shown before the activity", "Anticipated what was coming and reached for the object"),
    ("Extended wait time (ten seconds) before any prompt", "Started the action without a prompt more often"),
    ("Supportive seating on a wedge for head control", "Could track the object across the midline"),
    ("Now-and-next board with photos", "Moved on to the next activity calmly"),
    ("Ear defenders offered in the hall", "Stayed settled through the louder parts"),
    ("Adult positioned at eye level, slightly to the left (better visual field)", "Made eye contact sooner"),
    ("Switch mounted on the tray at a 30-degree angle", "Pressed with less effort and more accuracy"),
    ("Short, repeated routine with the same song each time", "Began to anticipate the end of the song"),
    ("Warm-up with deep-pressure massage first", "Seemed calmer and more ready to engage"),
]
MOODS = ["settled", "happy and alert", "calm", "excited", "a little tired", "unsettled at first, calmer later", "smiley and chatty",
         "quiet but content"]
SLEEP_NOTES = ["Slept well according to the home-school diary", "Unsettled night according to the home-school diary", None, None, None]
PEERS = [[], [], ["a classmate"], ["two classmates"], ["small group of three"]]
SUPPORT_WORDS = {"fully_supported": "hand-over-hand support", "physical_prompt": "a light touch at the elbow",
                 "modelled": "an adult showing first", "gestural": "a pointing gesture", "verbal": "a spoken prompt only",
                 "independent": "no prompting at all"}
AREA_NOTES = {
    "exploration": "Reached out to the {eq} and explored it with both hands.",
    "realisation": "Noticed when the {eq} stopped and looked to the adult to make it happen again.",
    "anticipation": "Stilled and smiled during the countdown, before the {eq} appeared.",
    "persistence": "Kept trying with the {eq} after the first attempt missed.",
    "initiation": "Reached for the {eq} without being asked, to start the activity again.",
}
OUTCOMES: dict[str, list[tuple[str, str]]] = {
    "communication_and_interaction": [
        ("Will make a clear choice between two preferred items, using eye pointing or a switch, across the school day.",
         "Will look towards the chosen item when offered two, with a gestural prompt, at snack time."),
        ("Will take part in back-and-forth exchanges with familiar adults, using sounds or movements to take a turn.",
         "Will vocalise or move to take a turn in a short intensive interaction game."),
    ],
    "cognition_and_learning": [
        ("Will explore new objects and activities for longer, showing curiosity in different places.",
         "Will explore a new sensory object for up to two minutes with adult support."),
        ("Will understand that an action causes an effect and use this to control toys and equipment.",
         "Will press a switch to make a toy start again, with a physical prompt."),
    ],
    "social_emotional_and_mental_health": [
        ("Will cope with changes to routine and new adults, staying calm with support.",
         "Will accept a new adult joining a familiar activity, using an object of reference."),
        ("Will show enjoyment and share attention with others in group sessions.",
         "Will stay with a small group for a whole Attention Autism bucket session."),
    ],
    "sensory_and_physical": [
        ("Will use purposeful hand movements to reach, grasp and release objects independently.",
         "Will reach and touch an object held within arm's length, with a light prompt."),
        ("Will tolerate and enjoy a wider range of textures and movements.",
         "Will keep hands in a messy play tray for a short time without withdrawing."),
    ],
}

STAFF_ROLES = {"teacher": Role.TEACHER, "teaching_assistant": Role.TEACHING_ASSISTANT, "senco": Role.SENCO}
