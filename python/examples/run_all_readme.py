"""mloda's README example (30-second example), with `mloda_c.user` in place of `mloda.user`."""
from mloda_c.user import PluginLoader, mloda
PluginLoader.all()

result = mloda.run_all(
    features=["customer_id", "income", "income__sum_aggr", "age__avg_aggr"],
    compute_frameworks=["PandasDataFrame"],
    api_data={"SampleData": {
        "customer_id": ["C001", "C002", "C003", "C004", "C005"],
        "age": [25, 35, 45, 30, 50],
        "income": [50000, 75000, 90000, 60000, 85000]
    }}
)

for frame in result:
    print(frame)
print("plan:", [step.feature_group_name for step in result.plan])
