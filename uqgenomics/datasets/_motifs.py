"""Motif files: MEME's text format (JASPAR and HOCOMOCO publish it)."""

from __future__ import annotations

import os

import numpy as np


def read_meme(path, names=None) -> dict[str, np.ndarray]:
    """Position probability matrices from a MEME motif file.

    Parameters
    ----------
    path : str or path-like
        A MEME (version 4, "minimal" or full) file over the alphabet ACGT,
        e.g. JASPAR's or HOCOMOCO's downloads.
    names : sequence of str, default=None
        Keep only these motifs (by the identifier after ``MOTIF``, or its
        alternative name); every one must be in the file.

    Returns
    -------
    motifs : dict of str to ndarray of shape (width, 4), float64
        In file order, keyed by identifier; rows sum to 1 (A, C, G, T).
    """
    path = os.fspath(path)
    with open(path) as handle:
        lines = [line.strip() for line in handle]
    motifs, aliases = {}, {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("ALPHABET=") and line.split("=", 1)[1].strip() != "ACGT":
            raise ValueError(f"{path}: alphabet {line.split('=', 1)[1].strip()!r}; only ACGT "
                             "motifs can be planted in DNA")
        if not line.startswith("MOTIF"):
            i += 1
            continue
        fields = line.split()
        if len(fields) < 2:
            raise ValueError(f"{path}, line {i + 1}: MOTIF without a name")
        name = fields[1]
        while i < len(lines) and not lines[i].startswith("letter-probability matrix"):
            i += 1
        if i == len(lines):
            raise ValueError(f"{path}: motif {name} has no letter-probability matrix")
        header = lines[i].split()
        width = int(header[header.index("w=") + 1]) if "w=" in header else None
        rows = []
        i += 1
        while i < len(lines) and lines[i] and (width is None or len(rows) < width):
            try:
                rows.append([float(v) for v in lines[i].split()])
            except ValueError:
                break
            i += 1
        pwm = np.array(rows, dtype=np.float64)
        if pwm.ndim != 2 or pwm.shape[1] != 4 or len(pwm) == 0 or (
                width is not None and len(pwm) != width):
            raise ValueError(f"{path}: motif {name} has a matrix of shape {pwm.shape}; "
                             f"expected ({width or 'w'}, 4)")
        if np.any(pwm < 0) or not np.allclose(pwm.sum(axis=1), 1, atol=0.02):
            raise ValueError(f"{path}: motif {name}'s rows are not probabilities (each row "
                             "must be >= 0 and sum to 1)")
        motifs[name] = pwm / pwm.sum(axis=1, keepdims=True)
        if len(fields) > 2:
            aliases[fields[2]] = name
    if not motifs:
        raise ValueError(f"{path} holds no MEME motif (no 'MOTIF' lines)")
    if names is None:
        return motifs
    missing = [n for n in names if n not in motifs and n not in aliases]
    if missing:
        raise ValueError(f"{path} has no motif {missing}; it has e.g. {list(motifs)[:5]}")
    return {n: motifs[aliases.get(n, n)] for n in names}
