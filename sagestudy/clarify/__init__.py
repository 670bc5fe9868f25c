"SageMaker Clarify: bias metrics (pre- and post-training), the bias report, and Kernel SHAP explainability. Hand-written; nbdev-export leaves it alone."
from sagestudy.clarify.facets import BiasReport, BiasMetricError, METRICS
from sagestudy.clarify.pretraining import pretraining_bias, make_biased
from sagestudy.clarify.posttraining import posttraining_bias
from sagestudy.clarify.explainability import kernel_shap, exact_shapley, global_shap, partial_dependence, kmeans_baseline
