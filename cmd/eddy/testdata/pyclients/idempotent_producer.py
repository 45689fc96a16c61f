#!/usr/bin/python3
"""Produce N records to TOPIC at BOOTSTRAP with an idempotent librdkafka
producer, slowly enough to span the test's broker restarts, then print
a JSON summary: delivered, failed, and the first fatal error, if any."""
import json, sys, time
from confluent_kafka import Producer, KafkaError

bootstrap, topic, n, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
st = {"delivered": 0, "failed": 0, "fatal": None}

def report(err, msg):
    if err is None:
        st["delivered"] += 1
        return
    st["failed"] += 1
    if err.fatal() and st["fatal"] is None:
        st["fatal"] = str(err)

def on_error(err):
    if err.fatal() and st["fatal"] is None:
        st["fatal"] = str(err)

p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
              "message.timeout.ms": 120000, "linger.ms": 5, "error_cb": on_error})
pause = seconds / n
for i in range(n):
    while True:
        try:
            p.produce(topic, key=str(i % 100), value=json.dumps({"I": i}), on_delivery=report)
            break
        except BufferError:
            p.poll(0.1)
    p.poll(0)
    time.sleep(pause)
p.flush(150)
print(json.dumps(st))
