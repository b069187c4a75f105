"""scikit-learn's estimator contract: every check, with no expected failure."""

from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from sknn_hp import MLPClassifier, MLPRegressor


@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation_classifier():
    check_param_validation("MLPClassifier", MLPClassifier(max_iter=5))


def test_param_validation_regressor():
    check_param_validation("MLPRegressor", MLPRegressor(max_iter=5))
