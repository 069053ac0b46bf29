"""`embed lm train` and `embed lm generate`.

    embed lm train input.txt -o shakespeare.lm --cell lstm --layers 2 --hidden 128 --minutes 10
    embed lm train input.txt -o shakespeare.lm --resume --epochs 20      # continue where it stopped
    embed lm generate shakespeare.lm --prime "ROMEO:" --length 500 --temperature 0.8 --seed 1

The model file is also the training checkpoint (weights, optimizer state,
vocabulary, configuration, counters), rewritten atomically every
`--checkpoint-every` steps, at the end, and on Ctrl-C.  Each option's ``dest``
is the `ModelConfig` / `TrainConfig` field it sets, so library errors naming a
field are shown with its flag.
"""
import json
import sys

from .options import (non_negative_float, non_negative_int, positive_float, positive_int,
                      probability)


def register(subparsers):
    p = subparsers.add_parser("lm", help="character / word recurrent language models (train, generate)",
                              description="Recurrent (RNN / LSTM / GRU) language models.")
    sub = p.add_subparsers(dest="lm_command", metavar="SUBCOMMAND")
    sub.required = True

    t = sub.add_parser("train", help="train a language model on a text file (or resume one)",
                       description="Train a char-RNN (or word-level RNN) with truncated BPTT. "
                                   "Defaults: 2-layer LSTM, 128 hidden, one-hot input, batch 50, "
                                   "seq 50, Adam 2e-3, clip 5, 10 epochs.")
    t.add_argument("text", metavar="TEXT", help="UTF-8 text file")
    t.add_argument("-o", "--output", required=True, metavar="MODEL", help="model / checkpoint file to write")
    t.add_argument("--cell", choices=["lstm", "gru", "rnn"], default=None, help="recurrent cell (default lstm)")
    t.add_argument("--layers", type=positive_int, default=None, help="recurrent layers, 1-3 (default 2)")
    t.add_argument("--hidden", type=positive_int, default=None, help="units per layer (default 128)")
    t.add_argument("--embedding", type=positive_int, default=None, metavar="DIM",
                   help="learned input embedding of this size instead of one-hot input (default: one-hot)")
    t.add_argument("--dropout", type=probability, default=None,
                   help="dropout after each recurrent layer, in [0, 1) (default 0)")
    t.add_argument("--word", action="store_const", const="word", dest="level", default=None,
                   help="word-level model (tokens of the text pipeline; default: characters)")
    t.add_argument("--min-count", dest="min_count", type=positive_int, default=None,
                   help="word level: rarer words become <unk> (default 1)")
    t.add_argument("--tokenizer", default=None,
                   help="word level: regexp, wordpunct, treebank, tweet (default regexp)")
    t.add_argument("--init-vectors", dest="init_vectors", metavar="VECTORS", default=None,
                   help="word level: initialise the embedding from trained word vectors (default: random)")
    t.add_argument("--seq-length", dest="seq_length", type=positive_int, default=None,
                   help="BPTT length T (default 50)")
    t.add_argument("--batch", type=positive_int, default=None, help="parallel streams B (default 50)")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--epochs", type=positive_float, default=None, help="passes over the text (default 10)")
    g.add_argument("--minutes", type=positive_float, default=None,
                   help="wall-clock budget instead of epochs (default: none)")
    t.add_argument("--lr", type=positive_float, default=None, help="learning rate (default 2e-3)")
    t.add_argument("--optimizer", choices=["adam", "rmsprop", "sgd", "adagrad"], default=None,
                   help="optimizer (default adam)")
    t.add_argument("--clip", type=non_negative_float, default=None,
                   help="global gradient-norm clip, 0 = off (default 5)")
    t.add_argument("--lr-decay", dest="lr_decay", type=positive_float, default=None,
                   help="learning-rate factor per epoch (default 0.97)")
    t.add_argument("--decay-after", dest="decay_after", type=non_negative_int, default=None,
                   help="epochs before the decay starts (default 10)")
    t.add_argument("--val-fraction", dest="val_fraction", type=probability, default=None,
                   help="last part of the text held out (default 0.05)")
    t.add_argument("--checkpoint-every", dest="checkpoint_every", type=non_negative_int, default=None,
                   metavar="N", help="write the checkpoint every N steps, 0 = only at the end (default 1000)")
    t.add_argument("--seed", type=non_negative_int, default=None, help="random seed (default 0)")
    t.add_argument("--threads", type=positive_int, default=None,
                   help="threads of the recurrent layers (default: all CPUs; BLAS always runs on one "
                        "thread while training)")
    t.add_argument("--resume", action="store_true", help="continue training MODEL exactly where it stopped")
    t.add_argument("--json", action="store_true",
                   help="print one JSON object with val_loss, val_bpc, chars_per_sec, train_seconds")
    t.add_argument("--quiet", action="store_true", help="no per-epoch log lines")
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("generate", help="sample text from a trained model",
                       description="Sample text from a trained language model.")
    s.add_argument("model", metavar="MODEL", help="model file written by `embed lm train`")
    s.add_argument("--prime", default="",
                   help="text to start from, any Unicode in the vocabulary (default: none)")
    s.add_argument("--length", type=non_negative_int, default=500, help="symbols to generate (default 500)")
    s.add_argument("--temperature", type=positive_float, default=0.8,
                   help="sampling temperature > 0 (default 0.8)")
    s.add_argument("--top-k", dest="top_k", type=positive_int, default=None, metavar="K",
                   help="sample among the K most likely (default: all)")
    s.add_argument("--argmax", action="store_true", help="always take the most likely symbol")
    s.add_argument("--seed", type=non_negative_int, default=None,
                   help="seed for a reproducible sample (default: a fresh one each run)")
    s.set_defaults(func=cmd_generate)


def cmd_train(args):
    import dataclasses
    import os

    from ..errors import EmbedError
    from ..fileio import check_distinct, check_writable
    from ..lm.data import read_text
    from ..lm.train import LMTrainer, ModelConfig, TrainConfig

    check_distinct(args.output, [args.text, args.init_vectors])  # before reading or training
    check_writable(args.output)
    text = read_text(args.text)
    train_opts = {"seq_length": args.seq_length, "batch": args.batch, "epochs": args.epochs,
                  "minutes": args.minutes, "lr": args.lr, "optimizer": args.optimizer, "clip": args.clip,
                  "lr_decay": args.lr_decay, "decay_after": args.decay_after,
                  "val_fraction": args.val_fraction, "checkpoint_every": args.checkpoint_every,
                  "seed": args.seed, "threads": args.threads}
    model_opts = {"cell": args.cell, "layers": args.layers, "hidden": args.hidden,
                  "embedding": args.embedding, "level": args.level}
    log = None if (args.quiet or args.json) else (lambda msg: print(msg, file=sys.stderr))
    if args.resume:  # the library checks every option given again against the checkpoint
        fixed = {**model_opts, "dropout": args.dropout, "min_count": args.min_count, "tokenizer": args.tokenizer}
        trainer = LMTrainer.resume(args.output, text, fixed, train_opts, init_vectors=args.init_vectors)
    else:
        mc = ModelConfig(**{k: v for k, v in {**model_opts, "dropout": args.dropout,
                                               "min_count": args.min_count,
                                               "tokenizer": args.tokenizer}.items() if v is not None})
        tc = TrainConfig(**{k: v for k, v in train_opts.items() if v is not None})
        if args.init_vectors and mc.level != "word":
            raise EmbedError("--init-vectors needs a word-level model (--word)")
        if args.init_vectors and not mc.embedding:
            from ..fileio import check_readable
            from ..vectors.keyedvectors import KeyedVectors
            check_readable(args.init_vectors, "word vectors file")
            kv = KeyedVectors.load(args.init_vectors)
            mc = dataclasses.replace(mc, embedding=kv.vector_size)
            init = kv
        else:
            init = args.init_vectors
        trainer = LMTrainer.new(text, mc, tc, init_vectors=init)
        # fail now, not after an hour of training, if the output cannot be written
        folder = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(folder):
            raise EmbedError(f"cannot write {args.output}: folder {folder} does not exist")
    if log:
        m = trainer.model
        log(f"{m!r}; {trainer.streams.symbols_per_epoch:,} training and {len(trainer.val_ids):,} "
            f"validation {m.vocab.level}s; {trainer.streams.chunks_per_epoch} steps per epoch")
    trainer.fit(args.output, log=log)
    if trainer.stopped_early:
        print(f"embed: interrupted at step {trainer.step_}; checkpoint saved to {args.output} "
              f"(continue with --resume)", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(trainer.summary()))
    elif not args.quiet:
        s, unit = trainer.summary(), trainer.vocab.level
        val = (f"val {s['val_loss']:.4f} nats ({s['val_bpc']:.4f} bits) per {unit}"
               if s["val_loss"] is not None else "no validation text")
        print(f"saved {args.output}: {val}, {s['chars_per_sec']:,.0f} {unit}s/s, "
              f"{s['train_seconds']:.1f} s", file=sys.stderr)
    return 0


def cmd_generate(args):
    from ..lm.model import load_model
    from ..lm.sample import generate_pieces

    model = load_model(args.model)
    last = ""
    try:
        for piece in generate_pieces(model, prime=args.prime, length=args.length, temperature=args.temperature,
                                     top_k=args.top_k, argmax=args.argmax, seed=args.seed):
            sys.stdout.write(piece)  # printed as it is sampled: any --length runs in constant memory
            if piece.endswith("\n"):
                sys.stdout.flush()
            last = piece or last
    except KeyboardInterrupt:  # Ctrl-C ends a long sample: what was printed stays
        sys.stdout.write("\n")
        return 130
    if not last.endswith("\n"):
        sys.stdout.write("\n")
    return 0
