"""The `embed` command: one parser, one module per command group.

Each module (``train``, ``vectors``, ``demo``, ``corpora``, ``viz``, ``mnist``,
``lm``) registers its sub-commands and imports the library inside its handlers,
so ``embed --help`` stays quick.  Commands are thin: parse (every numeric
option is checked by a type from `options`), call the library, print.

Errors the user can fix are `EmbedError`s: printed as one line on stderr, with
the parameter names they mention written as this command's flags, exit status
2, never a traceback.  The library never imports this package.
"""
import argparse
import importlib
import os
import sys

from ..errors import EmbedError
from .options import flag_names, with_flags

# Command-group modules, in the order they appear in `embed --help`.
MODULES = ["train", "vectors", "demo", "corpora", "viz", "mnist", "lm"]


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2.

    Every parser records itself as ``command_parser`` in the parsed arguments
    (the innermost sub-command wins), so errors can be told in its flags.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_defaults(command_parser=self)

    def error(self, message):
        print(f"{self.prog}: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def build_parser():
    parser = OneLineParser(
        prog="embed",
        description="Word embeddings, analogies, plots and language models from scratch.")
    # Sub-parsers (and their own sub-parsers) are created as OneLineParser too.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def error_line(error, args=None):
    """The one line shown for an EmbedError: parameter names become the command's flags."""
    parser = getattr(args, "command_parser", None)
    flags = flag_names(parser) if parser is not None else {}
    return with_flags(str(error), error.params, flags)


def main(argv=None):
    """Run `embed` with `argv` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2), already printed
        return e.code
    try:
        return int(args.func(args) or 0)
    except EmbedError as e:
        print(f"embed: error: {error_line(e, args)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("embed: interrupted (no partial output was written)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, MemoryError) as e:
        # Environment problems (disk full, permission denied, out of memory)
        # are still reported as one line.
        msg = getattr(e, "strerror", None) or str(e) or type(e).__name__
        where = getattr(e, "filename", None)
        print(f"embed: error: {msg}" + (f": {where}" if where else ""), file=sys.stderr)
        return 2


def run_script(script_main):
    """Run a script's main(): an EmbedError is one line on stderr and exit status 2, as in `embed`."""
    prog = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    try:
        code = script_main()
    except EmbedError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        code = 130
    raise SystemExit(code or 0)
