"""How ``--help`` names values: by plain metavars (DIR, N, SECONDS), never ``<type>``.

Every command and group of the command line is built with these classes.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _NamedArgument(TyperArgument):
    """An argument shown in help by its metavar alone (SCENARIO), without ``<path>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _plain_help_option(option: TyperOption | None) -> TyperOption | None:
    # Typer labels its own --help flag "<bool>"; a flag takes no value, so no metavar.
    if option is not None:
        option.metavar = ""
    return option


class PlainHelpCommand(TyperCommand):
    """A command whose --help names values by metavar (DIR, N), never ``<type>``."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _plain_help_option(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if type(param) is TyperArgument and param.metavar:
                param.__class__ = _NamedArgument
        return params


class PlainHelpGroup(TyperGroup):
    """A command group whose --help flag shows no ``<bool>``."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _plain_help_option(super().get_help_option(ctx))
