__version__ = "0.1.0"

from sagestudy.core.errors import HyperparameterError, DataFormatError, InstanceTypeError
from sagestudy.core import catalog, formats
from sagestudy.algorithms.linear_learner import LinearLearner
from sagestudy.algorithms.xgboost import XGBoost
from sagestudy.algorithms.knn import KNN
from sagestudy.algorithms.factorization_machines import FactorizationMachines
from sagestudy import clarify
from sagestudy.clarify import pretraining_bias, posttraining_bias, BiasReport
