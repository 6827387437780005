"""The ``[text]`` configuration section: how teams tune the prose detectors.

Kept in its own module so the settings loader can import it without pulling in the
regex machinery, and so the documented keys live in exactly one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Strictness = Literal["lenient", "normal", "strict"]

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "de", "fr")


class TextAnalysisConfig(BaseModel):
    """Options for :func:`trackerguard.text.analysis.analyze_purpose` and friends.

    Unknown keys are rejected (``extra="forbid"``) so a typo in ``[text]`` is a
    configuration error instead of a silently ignored setting.
    """

    model_config = ConfigDict(extra="forbid")

    purpose_sections: list[str] = Field(
        default_factory=list,
        description="Extra section names (headings, bold labels, 'Key:' lines) holding a purpose.",
    )
    measure_sections: list[str] = Field(
        default_factory=list,
        description="Extra section names that hold a success measure.",
    )
    purpose_cues: list[str | dict[str, str | int | bool]] = Field(
        default_factory=list,
        description="Extra reasons: plain phrases (case-insensitive, not regexes), or cue "
        "tables in the form of the language cue files (category, weight, triggers, pattern…).",
    )
    measure_cues: list[str] = Field(
        default_factory=list,
        description="Extra plain phrases that state how success is judged.",
    )
    strictness: Strictness = Field(
        default="normal",
        description="lenient: only clear absences are findings; strict: structure required.",
    )
    purpose_field: str | None = Field(
        default=None, description="Custom field key whose non-empty value is the purpose."
    )
    measure_field: str | None = Field(
        default=None, description="Custom field key whose non-empty value is the success measure."
    )
    languages: list[str] = Field(
        default_factory=lambda: list(SUPPORTED_LANGUAGES),
        description="Languages whose absence-findings may be high confidence.",
    )

    @field_validator("purpose_cues")
    @classmethod
    def _cues_compile(
        cls, value: list[str | dict[str, str | int | bool]]
    ) -> list[str | dict[str, str | int | bool]]:
        """A structured cue that would not compile is a configuration error now, not a
        crash at the first description (imported lazily: see the module docstring)."""
        if any(isinstance(v, dict) for v in value):
            from trackerguard.text.cues import CueFileError, check_configured_cue

            for i, spec in enumerate(value):
                if isinstance(spec, dict):
                    try:
                        check_configured_cue(spec, i)
                    except CueFileError as exc:
                        raise ValueError(str(exc)) from None
        return value
