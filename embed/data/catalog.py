"""The named data sets embed knows: what each is called, its file name, where it comes from.

================  ===========================  ==========================================
name              file                         source
================  ===========================  ==========================================
text8             text8                        Matt Mahoney's text8.zip (100 MB Wikipedia)
tinyshakespeare   tinyshakespeare.txt          Karpathy's char-rnn data
questions-words   questions-words.txt          word2vec analogy set (gensim's copy)
wordsim353        wordsim353.tsv               WordSim-353 (gensim's copy)
simlex999         simlex999.txt                SimLex-999 (gensim's copy)
wiki_sample       wiki_sample.txt              built offline from gensim's wheel (benchmarks)
offline           offline_corpus_v2.txt        built offline from gensim's wheel (the demo)
================  ===========================  ==========================================

Pure data: finding the files is `embed.data.sources`, downloading them
`embed.data.download`.  (MNIST's four IDX files are described in `embed.data.mnist`.)
"""
from dataclasses import dataclass

from ..errors import EmbedError

OFFLINE_VERSION = 2  # bump when offline.build_offline_corpus changes: cached copies are rebuilt
_GENSIM_RAW = "https://raw.githubusercontent.com/piskvorky/gensim/4.4.0/gensim/test/test_data/"


@dataclass(frozen=True)
class Dataset:
    name: str  # what users type: `embed corpora fetch NAME`
    filename: str  # the file's name in an EMBED_DATA folder / the cache dir
    description: str  # one line for `embed corpora list` and the demo
    url: str | None = None  # where `fetch` downloads it (None: built locally)
    sha256: str | None = None  # checksum of the downloaded file (the archive, if zipped)
    member: str | None = None  # file inside a zip archive to extract
    size: int | None = None  # expected size of the final file, when known
    in_gensim: bool = False  # gensim's wheel ships an identical copy


DATASETS = {d.name: d for d in [
    Dataset("text8", "text8",
            "text8: first 10^8 bytes of English Wikipedia, cleaned (17M words, one line)",
            url="http://mattmahoney.net/dc/text8.zip",
            sha256="a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
            member="text8", size=100_000_000),
    Dataset("tinyshakespeare", "tinyshakespeare.txt",
            "tinyshakespeare: 1.1M characters of Shakespeare (char-rnn)",
            url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                "tinyshakespeare/input.txt",
            sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            size=1_115_394),
    Dataset("questions-words", "questions-words.txt",
            "questions-words: Google analogy test set (19,544 questions, 14 sections)",
            url=_GENSIM_RAW + "questions-words.txt",
            sha256="8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
            in_gensim=True),
    Dataset("wordsim353", "wordsim353.tsv",
            "wordsim353: WordSim-353 word pairs with human similarity scores",
            url=_GENSIM_RAW + "wordsim353.tsv",
            sha256="f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
            in_gensim=True),
    Dataset("simlex999", "simlex999.txt",
            "simlex999: SimLex-999 word pairs with human similarity scores",
            url=_GENSIM_RAW + "simlex999.txt",
            sha256="d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
            in_gensim=True),
    Dataset("wiki_sample", "wiki_sample.txt",
            "wiki_sample: ~790k words of Wikipedia excerpts from gensim's test data, partly stemmed "
            "(the benchmarks' corpus)"),
    Dataset("offline", f"offline_corpus_v{OFFLINE_VERSION}.txt",
            "offline: ~530k words of unstemmed English (Wikipedia articles, news, reviews) "
            "from gensim's test data"),
]}

EVAL_SETS = ("questions-words", "wordsim353", "simlex999")


def dataset(name):
    """The `Dataset` called `name` (also accepts its file name); EmbedError if unknown."""
    found = known(name)
    if found is None:
        raise EmbedError(f"unknown data set {name!r}; choose from: {', '.join(DATASETS)}")
    return found


def known(name):
    """The `Dataset` whose name or file name is `name`, else None."""
    if name in DATASETS:
        return DATASETS[name]
    for d in DATASETS.values():
        if name == d.filename:
            return d
    return None
