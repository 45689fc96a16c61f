// Uses kafkajs and @kafkajs/confluent-schema-registry from npm, unchanged,
// as a Node.js service would next to eddy: `produce` registers a schema
// (AVRO, PROTOBUF or JSON) and writes orders in that format (gzip,
// kafkajs's Java-compatible partitioner; the registry client writes
// PROTOBUF without Confluent's message indexes); `consume` reads a table
// eddy wrote in Avro, decoding through the registry. Each prints what it
// wrote or read as JSON on stdout.
const { Kafka, Partitioners, CompressionTypes } = require('kafkajs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

const [mode, broker, registryURL, topic, count, format] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'eddy-kafkajs-check', brokers: [broker], logLevel: 1 });
const registry = new SchemaRegistry({ host: registryURL });

const orderSchema = {
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'string' } },
    { name: 'ship', default: null, type: ['null', { type: 'record', name: 'Address', fields: [
      { name: 'city', type: 'string' }, { name: 'zip', type: ['null', 'string'], default: null }] }] },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

// The same orders in PROTOBUF (the amount in cents) and JSON Schema.
const orderProto = `syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  string customer = 2;
  int64 amount = 3;
  int64 ts = 4;
  repeated string tags = 5;
  map<string, string> attrs = 6;
  Address ship = 7;
  string note = 8;
}
message Address { string city = 1; string zip = 2; }`;
const orderJSONSchema = {
  type: 'object', title: 'Order',
  properties: {
    id: { type: 'integer' }, customer: { type: 'string' }, amount: { type: 'integer' }, ts: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } }, attrs: { type: 'object', additionalProperties: { type: 'string' } },
    ship: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } } }, note: { type: 'string' },
  },
};
const schemas = {
  AVRO: { type: SchemaType.AVRO, schema: JSON.stringify(orderSchema) },
  PROTOBUF: { type: SchemaType.PROTOBUF, schema: orderProto },
  JSON: { type: SchemaType.JSON, schema: JSON.stringify(orderJSONSchema) },
};

// A decimal's unscaled value as Avro writes it: big-endian two's complement.
function toBytes(unscaled) {
  let v = BigInt(unscaled);
  const out = [];
  for (;;) {
    out.unshift(Number(BigInt.asUintN(8, v)));
    v >>= 8n;
    const signBit = (out[0] & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) return Buffer.from(out);
  }
}

function fromBytes(buf) {
  let v = 0n;
  for (const b of buf) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(buf.length * 8, v);
}

async function produce(n, format) {
  const { id } = await registry.register(schemas[format], { subject: `${topic}-value` });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const want = {};
  let batch = [];
  for (let i = 0; i < n; i++) {
    const customer = `c${i % 37}`;
    const cents = ((i * 7919) % 200000) - 50000;
    const ship = i % 4 === 0 ? null : { city: `City ${i % 11}`, zip: i % 2 ? null : `${10000 + i}` };
    const w = want[customer] || (want[customer] = { n: 0, cents: 0n, shipped: 0 });
    w.n++; w.cents += BigInt(cents); if (ship) w.shipped++;
    const value = { id: i, customer, amount: format === 'AVRO' ? toBytes(cents) : cents, ts: 1700000000000 + i * 1000,
      tags: [`t${i % 3}`, 'ünïcode "quoted"'], attrs: { k: String(i % 5) }, ship, note: i % 10 ? null : `note ${i}` };
    if (format !== 'AVRO') { // absent rather than null
      if (!ship) delete value.ship; else if (!ship.zip) delete ship.zip;
      if (!value.note) delete value.note;
    }
    batch.push({ key: customer, value: await registry.encode(id, value) });
    if (batch.length === 500 || i === n - 1) {
      await producer.send({ topic, messages: batch, compression: CompressionTypes.GZIP });
      batch = [];
    }
  }
  await producer.disconnect();
  return want;
}

async function consume(total) {
  const consumer = kafka.consumer({ groupId: `kafkajs-check-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = {};
  const counted = () => Object.values(got).reduce((s, v) => s + v.n, 0);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${counted()} of ${total} orders counted`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        try {
          const v = await registry.decode(message.value);
          got[message.key.toString()] = { n: Number(v.N), cents: fromBytes(v.TOTAL), shipped: Number(v.SHIPPED) };
          if (counted() === total) { clearTimeout(timer); resolve(); }
        } catch (e) { clearTimeout(timer); reject(e); }
      },
    });
  });
  await consumer.disconnect();
  return got;
}

(async () => {
  const result = mode === 'produce' ? await produce(Number(count), format || 'AVRO') : await consume(Number(count));
  console.log(JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
