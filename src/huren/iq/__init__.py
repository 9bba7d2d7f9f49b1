"""Automatic image-quality checks of clinical studies (图像质量实时评价), per modality (pure: no Django).

    from huren.iq import evaluate_paths, evaluate_study, load_rules, document
    studies = evaluate_paths(["study_folder/"])
    print(document(studies))            # the huren.iq/1 document

Rules and thresholds are data (``huren/iq/rules/taiyuan-trial.toml``); docs/image-quality.md
lists every check, its rule, source and reliability.
"""

from huren.iq.evaluate import body_part_of, evaluate_paths, evaluate_study
from huren.iq.model import RESULTS, SCHEMA, CheckResult, SeriesSummary, StudyEvaluation, document, dumps
from huren.iq.ruleset import Rules, RulesError, load_rules, rules_from_dict

CHECKS = (
    "readable", "header_attributes", "labels",
    "matrix", "pixel_spacing", "fov", "slice_thickness", "slice_interval", "slice_order", "missing_slices",
    "duplicate_slices", "misplaced_slices", "centring", "body_in_fov", "metal_artifact", "motion_artifact",
    "contrast_phases",
    "required_sequences", "orientation_consistency", "voxel_size", "fat_suppression",
    "exposure_index", "deviation_index", "collimation", "marker", "burned_in_text", "view_orientation",
)

__all__ = ["CHECKS", "RESULTS", "SCHEMA", "CheckResult", "Rules", "RulesError", "SeriesSummary", "StudyEvaluation",
           "body_part_of", "document", "dumps", "evaluate_paths", "evaluate_study", "load_rules", "rules_from_dict"]
