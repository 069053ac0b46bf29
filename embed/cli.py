"""The `embed` command: one parser, one sub-command module per capability.

Each capability registers its sub-commands from its own ``cli`` module
(``embed/word2vec/cli.py``, ``embed/viz/cli.py``, ``embed/nn/cli.py``,
``embed/lm/cli.py``).  Those modules import their heavy dependencies inside
the handlers, so ``embed --help`` stays quick.

Errors the user can fix are `EmbedError`s: printed as one line on stderr,
exit status 2, never a traceback.
"""
import argparse
import importlib
import sys

from .errors import EmbedError

# Sub-command modules, in the order they appear in `embed --help`.
_MODULES = ["embed.word2vec.cli", "embed.text.cli", "embed.viz.cli", "embed.nn.cli", "embed.lm.cli"]


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

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
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:  # a capability not built yet
            if e.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EmbedError as e:
        print(f"embed: error: {e}", file=sys.stderr)
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
    import os
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


if __name__ == "__main__":
    raise SystemExit(main())
