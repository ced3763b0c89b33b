"""A feature group written in Python, used in chains with the built-in groups in both
directions: a built-in aggregation of its output (income_per_age__sum_aggr) and its own
input computed by a built-in group (income__mean_imputed).

Its calculate_feature is written for pandas (compute_framework_rule), as a group written
for mloda would be; the engine hands it a DataFrame of its inputs.
"""
from mloda_c.provider import FeatureGroup
from mloda_c.user import Feature, mloda
from mloda_c.user.pandas import PandasDataFrame


class IncomePerAge(FeatureGroup):
    """income_per_age: income (missing values imputed with the mean) divided by age."""

    @classmethod
    def feature_names_supported(cls):
        return {"income_per_age"}

    @classmethod
    def compute_framework_rule(cls):
        return {PandasDataFrame}

    def input_features(self, options, feature_name):
        return {Feature("income__mean_imputed"), Feature("age")}

    @classmethod
    def calculate_feature(cls, data, features):
        data["income_per_age"] = data["income__mean_imputed"] / data["age"]
        return data


result = mloda.run_all(
    ["customer_id", "income_per_age", "income_per_age__sum_aggr"],
    compute_frameworks=["PandasDataFrame"],
    api_data={"SampleData": {
        "customer_id": ["C001", "C002", "C003"],
        "age": [25, 50, 40],
        "income": [50000.0, None, 90000.0],
    }},
)
for frame in result:
    print(frame)
