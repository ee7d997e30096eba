"""Schemas → blank templates (`salesbook init`) and a deterministic sample organisation (`salesbook demo`)."""

from salesbook.samples.demo import DEMO_COMPANY, write_demo
from salesbook.samples.templates import LANGS, write_templates
from salesbook.samples.writing import choice_text

__all__ = ["DEMO_COMPANY", "LANGS", "choice_text", "write_demo", "write_templates"]
