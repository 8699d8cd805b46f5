"""CAGI5 regulatory saturation mutagenesis challenge, release set (Kircher et al. 2019)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._home import dataset_folder, require_files

_SOURCE = "alex-hh/cagi5_mpra_prediction, data of Kircher et al. 2019 (Nat Commun)"


def load_cagi5(window: int = 230, data_home=None, modified_reference: bool = True) -> Bunch:
    """Variants of the CAGI5 release set with reference and alternative windows.

    Reads ``<data_home>/cagi5/cagi5_release.csv`` (``#Chrom, Pos, Ref, Alt,
    Value, Confidence, class, regulatory_element, …``; hg19; ``Value`` is the
    measured log2 variant effect) and ``base_seqs_v2.csv``
    (``regulatory_element, ref_sequence, start_pos``). A variant sits at
    0-based index ``Pos − start_pos − 1`` of its element's reference. Its
    window of ``window`` bp lies inside the element (the tested construct):
    centred on the variant where the element allows, moved inwards near an
    end of the element (the variant then sits off-centre, at
    ``frame['window_index']``), so no window reaches outside the element.
    Only an element shorter than the window is padded, with ``N`` split
    evenly on both sides and counted in ``frame['n_padded']`` (and a
    warning). The alternative window differs from the reference window at
    the variant only.

    Parameters
    ----------
    window : int, default=230
        Window length in bp (230 matches lentiMPRA models).
    data_home : str or path-like, optional
    modified_reference : bool, default=True
        Use an element's ``<name>MOD`` reference when the file has one: it
        corrects the first base of eight elements to the release's Ref
        allele. With False the original references are used and the few
        variants whose Ref differs are reported.

    Returns
    -------
    Bunch
        ``frame`` (DataFrame, one row per variant: ``chrom``, ``pos``,
        ``ref``, ``alt``, ``value``, ``confidence``, ``class``, ``element``
        (e.g. ``TERT``), ``element_set`` (e.g. ``TERT-GBM``), ``index`` in
        the element, ``window_index`` (the variant's index in its window),
        ``n_padded`` (N added to the window) and ``ref_matches``), ``ref``
        and ``alt`` (string arrays
        of shape ``(n_variants,)``), ``y`` (the measured effect) and
        ``n_mismatches``.

    Warns
    -----
    UserWarning
        When some Ref alleles differ from the reference sequence; the count
        is in the message and those rows have ``ref_matches == False`` (their
        reference window keeps the reference base). When some elements are
        shorter than the window (their windows padded with N).
    """
    if window < 1:
        raise ValueError(f"window must be positive, got {window}")
    folder = dataset_folder("cagi5", data_home)
    variants_path, bases_path = require_files(
        folder, ["cagi5_release.csv", "base_seqs_v2.csv"], "CAGI5", _SOURCE)
    variants = pd.read_csv(variants_path)
    references = pd.read_csv(bases_path).set_index("regulatory_element")
    variants = variants.reset_index(drop=True)
    frame = pd.DataFrame({
        "chrom": variants["#Chrom"].astype(str), "pos": variants["Pos"],
        "ref": variants["Ref"].str.upper(), "alt": variants["Alt"].str.upper(),
        "value": variants["Value"], "confidence": variants["Confidence"],
        "class": variants["class"],
        "element_set": variants["regulatory_element"].str.removeprefix("release_"),
    })
    frame["element"] = frame["element_set"].str.split("-").str[0]
    if not (frame["ref"].str.len().eq(1) & frame["alt"].str.len().eq(1)).all():
        raise ValueError("cagi5_release.csv has variants that are not single-nucleotide")

    n = len(frame)
    ref_windows, alt_windows = np.empty(n, dtype=object), np.empty(n, dtype=object)
    frame["index"], frame["window_index"], frame["n_padded"] = -1, -1, 0
    frame["ref_matches"] = False
    short = {}
    for element, rows in frame.groupby("element", sort=False):
        name = element + "MOD" if modified_reference and element + "MOD" in references.index \
            else element
        if name not in references.index:
            raise ValueError(f"base_seqs_v2.csv has no reference for element {element!r}")
        sequence = references.at[name, "ref_sequence"].upper()
        index = rows["pos"].to_numpy() - int(references.at[name, "start_pos"]) - 1
        if np.any((index < 0) | (index >= len(sequence))):
            raise ValueError(f"variants of {element} fall outside its reference sequence")
        padding = max(window - len(sequence), 0)
        if padding:
            short[element] = len(sequence)
        padded = "N" * (padding // 2) + sequence + "N" * (padding - padding // 2)
        # the window inside the (padded) element, centred on the variant where it fits
        starts = np.clip(index + padding // 2 - window // 2, 0, len(padded) - window)
        offsets = index + padding // 2 - starts
        for row, start, offset, alt in zip(rows.index, starts, offsets, rows["alt"]):
            reference = padded[start: start + window]
            ref_windows[row] = reference
            alt_windows[row] = reference[:offset] + alt + reference[offset + 1:]
        frame.loc[rows.index, "index"] = index
        frame.loc[rows.index, "window_index"] = offsets
        frame.loc[rows.index, "n_padded"] = padding
        frame.loc[rows.index, "ref_matches"] = [sequence[i] for i in index] == rows["ref"]
    n_mismatches = int((~frame["ref_matches"]).sum())
    if n_mismatches:
        warnings.warn(f"CAGI5: {n_mismatches} of {len(frame)} Ref alleles differ from the "
                      f"element reference (see frame['ref_matches'])", UserWarning, stacklevel=2)
    if short:
        warnings.warn(f"CAGI5: {len(short)} elements are shorter than the {window} bp window "
                      f"({', '.join(f'{e} {n} bp' for e, n in short.items())}); their windows "
                      "are padded with N on both sides (see frame['n_padded'])", UserWarning,
                      stacklevel=2)
    return Bunch(frame=frame, ref=ref_windows.astype(str), alt=alt_windows.astype(str),
                 y=frame["value"].to_numpy(np.float64), n_mismatches=n_mismatches)
