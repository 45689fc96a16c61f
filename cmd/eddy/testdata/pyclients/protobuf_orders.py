"""Writes orders in PROTOBUF with Confluent's Python client, unchanged.

Used by TestConfluentPythonProtobuf: the serializer registers the schema
(and its imports, as references) as base64 FileDescriptorProtos, and the
client of Debian 12 (1.7.0) writes message indexes as unsigned varints.
Prints the expected per-customer totals as JSON on stdout.

usage: protobuf_orders.py BROKER REGISTRY_URL TOPIC COUNT DESCRIPTOR_B64 MESSAGE
"""
import base64
import json
import sys

from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import StringSerializer
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import timestamp_pb2  # noqa: F401 (puts the import in the pool)

broker, registry, topic, count, descriptor, message = sys.argv[1:7]
pool = descriptor_pool.Default()
pool.Add(descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(descriptor)))
Order = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(message))

producer = SerializingProducer({
    'bootstrap.servers': broker,
    'partitioner': 'murmur2_random',  # as Java clients place keys
    'key.serializer': StringSerializer('utf_8'),
    'value.serializer': ProtobufSerializer(Order, SchemaRegistryClient({'url': registry})),
})
want = {}
for i in range(int(count)):
    customer = 'c%d' % (i % 7)
    order = Order(id=i, customer=customer, cents=(i * 7919) % 100000 - 20000)
    order.at.FromMilliseconds(1700000000000 + i)
    line = order.lines.add(sku='s%d' % (i % 13), qty=i % 5)
    order.attrs['k'] = str(i % 3)
    w = want.setdefault(customer, {'n': 0, 'cents': 0, 'qty': 0})
    w['n'] += 1
    w['cents'] += order.cents
    w['qty'] += line.qty
    producer.produce(topic, key=customer, value=order)
    producer.poll(0)
producer.flush(30)
print(json.dumps(want))
