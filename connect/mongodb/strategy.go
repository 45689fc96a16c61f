package mongodb

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/eddysql/eddy/connect"
)

// Class names of the id strategies, write models and CDC handlers, as the
// MongoDB Kafka connector spells them; the short name after the last dot
// is accepted too.
const (
	pkgID = "com.mongodb.kafka.connect.sink.processor.id.strategy."
	pkgWM = "com.mongodb.kafka.connect.sink.writemodel.strategy."

	idBsonOid        = "BsonOidStrategy"
	idProvidedKey    = "ProvidedInKeyStrategy"
	idProvidedValue  = "ProvidedInValueStrategy"
	idPartialKey     = "PartialKeyStrategy"
	idPartialValue   = "PartialValueStrategy"
	idFullKey        = "FullKeyStrategy"
	idUUID           = "UuidStrategy"
	idKafkaMeta      = "KafkaMetaDataStrategy"
	wmReplaceDefault = "ReplaceOneDefaultStrategy"
	wmReplaceBizKey  = "ReplaceOneBusinessKeyStrategy"
	wmUpdateTS       = "UpdateOneTimestampsStrategy"
	wmUpdateBizKeyTS = "UpdateOneBusinessKeyTimestampStrategy"
	wmInsert         = "InsertOneDefaultStrategy"
	wmDelete         = "DeleteOneDefaultStrategy"
)

var idStrategies = []string{idBsonOid, idProvidedKey, idProvidedValue, idPartialKey, idPartialValue, idFullKey, idUUID, idKafkaMeta}
var writeModels = []string{wmReplaceDefault, wmReplaceBizKey, wmUpdateTS, wmUpdateBizKeyTS, wmInsert, wmDelete}

// cdcHandlers maps accepted handler class names to the event shape read.
var cdcHandlers = map[string]string{
	"com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.RdbmsHandler":             "rdbms",
	"com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.mysql.MysqlHandler":       "rdbms",
	"com.mongodb.kafka.connect.sink.cdc.debezium.mysql.MysqlHandler":             "rdbms",
	"com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.postgres.PostgresHandler": "rdbms",
	"com.mongodb.kafka.connect.sink.cdc.debezium.postgres.PostgresHandler":       "rdbms",
	"RdbmsHandler":    "rdbms",
	"MysqlHandler":    "rdbms",
	"PostgresHandler": "rdbms",
}

// shortName resolves a class name given in full or by its simple name.
func shortName(v, pkg string, known []string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, k := range known {
		if v == k || v == pkg+k {
			return k, true
		}
	}
	// Older releases kept the strategies in other packages; accept any
	// package that ends in a known simple name.
	if i := strings.LastIndex(v, "."); i >= 0 {
		for _, k := range known {
			if v[i+1:] == k {
				return k, true
			}
		}
	}
	return "", false
}

// keyBased says whether an id strategy derives the id from the key, so a
// tombstone can name the document to delete.
func keyBased(strategy string) bool {
	return strategy == idProvidedKey || strategy == idPartialKey || strategy == idFullKey
}

// derivedID says whether an id strategy makes the id up (rather than
// reading it from the record); eddy derives those from the record's
// topic, partition and offset, so a re-delivered record gets its id back.
func derivedID(strategy string) bool {
	return strategy == idBsonOid || strategy == idUUID || strategy == idKafkaMeta
}

// sinkDoc is a record's key and value as documents (nil when absent or
// not a document).
type sinkDoc struct {
	rec     *connect.Record
	key     bson.D
	keyPrim any // a key that is not a document (string, number)
	value   bson.D
	keyErr  error
}

func newSinkDoc(rec *connect.Record) (*sinkDoc, error) {
	sd := &sinkDoc{rec: rec}
	switch rec.Key.(type) {
	case *connect.Struct, map[string]any:
		sd.key, sd.keyErr = asDoc(rec.KeySchema, rec.Key, "key")
		if sd.keyErr != nil {
			return nil, sd.keyErr
		}
	case nil:
	default:
		kp, err := toBSON(rec.KeySchema, rec.Key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		sd.keyPrim = kp
	}
	if rec.Value != nil {
		v, err := asDoc(rec.ValueSchema, rec.Value, "value")
		if err != nil {
			return nil, err
		}
		sd.value = v
	}
	return sd, nil
}

// documentID applies an id strategy.
func (ts *topicSettings) documentID(sd *sinkDoc) (any, error) {
	rec := sd.rec
	switch ts.idStrategy {
	case idBsonOid:
		return derivedObjectID(rec), nil
	case idUUID:
		u := derivedUUID(rec)
		if ts.uuidBinary {
			return primitive.Binary{Subtype: 4, Data: u[:]}, nil
		}
		return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), nil
	case idKafkaMeta:
		return rec.Topic + "-" + strconv.Itoa(int(rec.Partition)) + "-" + strconv.FormatInt(rec.Offset, 10), nil
	case idProvidedKey:
		if sd.key == nil {
			return nil, badDoc("ProvidedInKeyStrategy: the key is not a document with an _id field")
		}
		id, ok := lookup(sd.key, "_id")
		if !ok || id == nil {
			return nil, badDoc("ProvidedInKeyStrategy: the key has no _id field")
		}
		return id, nil
	case idProvidedValue:
		id, ok := lookup(sd.value, "_id")
		if !ok || id == nil {
			return nil, badDoc("ProvidedInValueStrategy: the value has no _id field")
		}
		return id, nil
	case idFullKey:
		if sd.key != nil {
			return sd.key, nil
		}
		if sd.keyPrim != nil {
			return sd.keyPrim, nil // a string or number key is the id as is
		}
		return nil, badDoc("FullKeyStrategy: the key is null")
	case idPartialKey:
		if sd.key == nil {
			return nil, badDoc("PartialKeyStrategy: the key is not a document")
		}
		return project(sd.key, ts.keyProjection, ts.keyProjectionType), nil
	case idPartialValue:
		if sd.value == nil {
			return nil, badDoc("PartialValueStrategy: the value is null")
		}
		return project(sd.value, ts.idValueProjection, ts.idValueProjectionType), nil
	}
	return nil, fmt.Errorf("unknown id strategy %s", ts.idStrategy)
}

// derivedObjectID is an ObjectId made from the record's coordinates: its
// time part is the record's timestamp (as a fresh ObjectId's would be
// near enough), the rest a hash of topic, partition and offset.
func derivedObjectID(rec *connect.Record) primitive.ObjectID {
	h := coordHash(rec)
	var id primitive.ObjectID
	ts := rec.Timestamp
	if ts.IsZero() {
		ts = time.Unix(0, 0)
	}
	binary.BigEndian.PutUint32(id[0:4], uint32(ts.Unix()))
	copy(id[4:], h[:8])
	return id
}

// derivedUUID is a version-4-shaped UUID made from the record's coordinates.
func derivedUUID(rec *connect.Record) [16]byte {
	h := coordHash(rec)
	var u [16]byte
	copy(u[:], h[:16])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

func coordHash(rec *connect.Record) [32]byte {
	return sha256.Sum256([]byte(rec.Topic + "\x00" + strconv.Itoa(int(rec.Partition)) + "\x00" + strconv.FormatInt(rec.Offset, 10)))
}

// project keeps (allowlist) or drops (blocklist) fields by dotted path;
// a path segment "*" matches any field name at its level.
func project(d bson.D, paths []string, typ string) bson.D {
	split := make([][]string, len(paths))
	for i, p := range paths {
		split[i] = strings.Split(p, ".")
	}
	return projectDoc(d, split, typ == "allowlist")
}

func projectDoc(d bson.D, paths [][]string, allow bool) bson.D {
	out := bson.D{}
	for _, e := range d {
		var sub [][]string
		whole := false
		for _, p := range paths {
			if p[0] != e.Key && p[0] != "*" {
				continue
			}
			if len(p) == 1 {
				whole = true
			} else {
				sub = append(sub, p[1:])
			}
		}
		if allow {
			switch {
			case whole:
				out = append(out, e)
			case len(sub) > 0:
				if inner, ok := e.Value.(bson.D); ok {
					out = append(out, bson.E{Key: e.Key, Value: projectDoc(inner, sub, true)})
				}
			}
			continue
		}
		switch {
		case whole:
		case len(sub) > 0:
			if inner, ok := e.Value.(bson.D); ok {
				out = append(out, bson.E{Key: e.Key, Value: projectDoc(inner, sub, false)})
			} else {
				out = append(out, e)
			}
		default:
			out = append(out, e)
		}
	}
	return out
}

// writeModel builds a record's write, or nil when the record writes
// nothing (a tombstone without delete.on.null.values).
func (ts *topicSettings) model(sd *sinkDoc, now time.Time) (mongo.WriteModel, error) {
	if ts.cdc != "" {
		return ts.cdcModel(sd)
	}
	if sd.rec.Value == nil {
		if !ts.deleteOnNull {
			return nil, nil
		}
		id, err := ts.documentID(sd)
		if err != nil {
			return nil, err
		}
		return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}), nil
	}
	if ts.writeModel == wmDelete {
		id, err := ts.deleteID(sd)
		if err != nil {
			return nil, err
		}
		return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}), nil
	}
	id, err := ts.documentID(sd)
	if err != nil {
		return nil, err
	}
	doc := sd.value
	if existing, ok := lookup(doc, "_id"); ok && existing != nil && !ts.overwriteID && ts.idStrategy != idProvidedValue {
		id = existing // the value brings its own _id and overwrite.existing is off
	}
	doc = append(bson.D{{Key: "_id", Value: id}}, without(doc, "_id")...)
	for _, vp := range ts.valueProjectors {
		doc = append(bson.D{doc[0]}, project(doc[1:], vp.paths, vp.typ)...)
	}
	switch ts.writeModel {
	case wmInsert:
		return mongo.NewInsertOneModel().SetDocument(doc), nil
	case wmReplaceBizKey:
		filter, err := businessKey(id)
		if err != nil {
			return nil, err
		}
		return mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(doc[1:]).SetUpsert(true), nil
	case wmUpdateTS, wmUpdateBizKeyTS:
		filter := bson.D{{Key: "_id", Value: id}}
		set := doc[1:]
		if ts.writeModel == wmUpdateBizKeyTS {
			if filter, err = businessKey(id); err != nil {
				return nil, err
			}
		}
		set = append(append(bson.D{}, set...), bson.E{Key: "_modifiedTS", Value: primitive.NewDateTimeFromTime(now)})
		update := bson.D{{Key: "$set", Value: set}, {Key: "$setOnInsert", Value: bson.D{{Key: "_insertedTS", Value: primitive.NewDateTimeFromTime(now)}}}}
		return mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(update).SetUpsert(true), nil
	default:
		return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(doc).SetUpsert(true), nil
	}
}

// deleteID is the id DeleteOneDefaultStrategy deletes: from a key-based id
// strategy, else the whole key.
func (ts *topicSettings) deleteID(sd *sinkDoc) (any, error) {
	if keyBased(ts.idStrategy) {
		return ts.documentID(sd)
	}
	if sd.key != nil {
		return sd.key, nil
	}
	if sd.keyPrim != nil {
		return sd.keyPrim, nil
	}
	return nil, badDoc("DeleteOneDefaultStrategy: the key is null")
}

// businessKey is the filter of the business-key write models: the fields
// of the id document (built by PartialValueStrategy) matched one by one.
func businessKey(id any) (bson.D, error) {
	d, ok := id.(bson.D)
	if !ok || len(d) == 0 {
		return nil, badDoc("business key write models need a document id with fields (use PartialValueStrategy)")
	}
	return d, nil
}

// cdcModel reads a Debezium change event (an envelope with op, before and
// after) and writes the row's current state, keyed by the event's key:
// c (create), r (snapshot read) and u (update) replace the document whose
// _id is the key document, creating it when missing; d (delete) deletes
// it. A tombstone (null value) writes nothing: the d event before it did.
func (ts *topicSettings) cdcModel(sd *sinkDoc) (mongo.WriteModel, error) {
	if sd.rec.Value == nil {
		return nil, nil
	}
	var id any
	switch {
	case sd.key != nil:
		id = sd.key
	case sd.keyPrim != nil:
		id = sd.keyPrim
	default:
		return nil, badDoc("change event without a key: the key (the table's primary key) is the document _id")
	}
	opv, _ := lookup(sd.value, "op")
	op, _ := opv.(string)
	switch op {
	case "c", "r", "u":
		after, _ := lookup(sd.value, "after")
		ad, ok := after.(bson.D)
		if !ok {
			return nil, badDoc("change event op %q without an after document", op)
		}
		doc := append(bson.D{{Key: "_id", Value: id}}, without(ad, "_id")...)
		return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(doc).SetUpsert(true), nil
	case "d":
		return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}), nil
	case "":
		return nil, badDoc("not a Debezium change event: the value has no op field")
	}
	return nil, badDoc("unknown change event op %q", op)
}
