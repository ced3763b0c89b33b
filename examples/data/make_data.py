#!/usr/bin/env python3
"""Writes the bundled example data set: a request for sensor features and 300 micro-batches
of readings from four sensors (deterministic; stdlib only). Run from this folder."""
import json
import math
import random

random.seed(7)
SENSORS = ["north", "south", "east", "west"]


def readings(batch, rows):
    out = {"sensor": [], "reference_time": [], "temperature": [], "humidity": []}
    for r in range(rows):
        minute = batch * 5 + r % 5
        sensor = SENSORS[(batch + r) % 4]
        t = 20 + 5 * math.sin(minute / 60) + random.gauss(0, 0.5)
        out["sensor"].append(sensor)
        out["reference_time"].append("2024-01-%02dT%02d:%02d:00" % (1 + minute // 1440,
                                                                    minute // 60 % 24,
                                                                    minute % 60))
        out["temperature"].append(None if random.random() < 0.05 else round(t, 2))
        out["humidity"].append(round(random.uniform(0.3, 0.7), 3))
    return {"SensorData": out}


request = {
    "features": [
        "temperature",
        "temperature__mean_aggr",
        "temperature__max_aggr",
        "humidity__std_aggr",
        "temperature__mean_imputed",
        "temperature__mean_imputed__mean_10_minute_window",
        "sensor__label_encoded",
    ],
    "api_data": readings(0, 8),
}
with open("sensor_request.json", "w") as f:
    json.dump(request, f, indent=1)
    f.write("\n")
with open("sensor_batches.ndjson", "w") as f:
    for b in range(1, 301):
        f.write(json.dumps(readings(b, 6 + b % 10), separators=(",", ":")) + "\n")
