"""figures document → one context dataclass per document: letters, review, health, appraisal.

Everything a document prints comes from the figures document (compute.figures_document), never
from a workbook; the templates only lay a context out. common.py holds the rows that several
documents share.
"""
