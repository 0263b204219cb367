"""Judging detectors against labels: the NAB score, precision/recall/F1, and the labels."""

from dexwatch.detectors.evaluation.classification import (
    Classification,
    detections_at,
    point_classification,
    window_classification,
)
from dexwatch.detectors.evaluation.labels import (
    LabelError,
    TimeWindow,
    WindowLocator,
    load_nab_windows,
    nab_key,
    parse_label,
    read_nab_windows,
    windows_from_points,
)
from dexwatch.detectors.evaluation.nab_score import (
    NO_DETECTION_THRESHOLD,
    PROFILES,
    NabCategoryResult,
    NabFile,
    NabFileResult,
    NabProfile,
    NabResult,
    best_threshold,
    probationary_rows,
    scaled_sigmoid,
    score_at_threshold,
    score_corpus,
)

__all__ = [
    "NO_DETECTION_THRESHOLD",
    "PROFILES",
    "Classification",
    "LabelError",
    "NabCategoryResult",
    "NabFile",
    "NabFileResult",
    "NabProfile",
    "NabResult",
    "TimeWindow",
    "WindowLocator",
    "best_threshold",
    "detections_at",
    "load_nab_windows",
    "nab_key",
    "parse_label",
    "point_classification",
    "probationary_rows",
    "read_nab_windows",
    "scaled_sigmoid",
    "score_at_threshold",
    "score_corpus",
    "window_classification",
    "windows_from_points",
]
