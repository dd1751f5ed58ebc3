"""Losses (datafits)."""

from .quadratic import Quadratic

__all__ = ["Quadratic"]
