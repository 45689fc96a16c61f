package kafka

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"time"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// logAppendTime tells whether topic settings stamp records with the time
// the broker appends them (message.timestamp.type=LogAppendTime).
func logAppendTime(configs map[string]*string) bool {
	v := configs["message.timestamp.type"]
	return v != nil && strings.EqualFold(*v, "LogAppendTime")
}

// stampLogAppendTime gives every record produced to a topic set to
// message.timestamp.type=LogAppendTime the time the broker took it, as
// Kafka does. kfake stored the producer's timestamps whatever the topic
// said, so a topic made for ingestion time (ROWTIME = arrival) held
// event times, old ones too, and windows and retention followed them.
//
// Kafka marks such a batch LogAppendTime and sets its max timestamp,
// which readers give every record. kfake does that only for a batch a
// client marked (none does) and keeps the batch's CRC unchanged, so a
// marked batch would fail every reader's CRC check. Instead each batch
// is rewritten here, before kfake reads it: first and max timestamps set
// to now, every record's delta to 0, CRC computed again. The batch stays
// CreateTime-typed (readers see the append time as the records' time)
// and the produce response carries no LogAppendTime, and a compressed
// batch is stored uncompressed (recompressing would cost more than the
// rest of the produce), unless that takes it past max.message.bytes,
// when it keeps its producer's timestamps.
func stampLogAppendTime(c *kfake.Cluster, at *topicsWith) func(kmsg.Request) (kmsg.Response, error, bool) {
	return func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // a handled control is dropped otherwise
		r, ok := req.(*kmsg.ProduceRequest)
		if !ok {
			return nil, nil, false
		}
		now := time.Now().UnixMilli()
		for i := range r.Topics {
			t := &r.Topics[i]
			if !at.holds(c, t, r.Version >= 13) {
				continue
			}
			limit := maxMessageBytes(c, t, r.Version >= 13)
			for j := range t.Partitions {
				p := &t.Partitions[j]
				if stamped, err := stampBatch(p.Records, now); err == nil && len(stamped) <= limit {
					p.Records = stamped
				}
			}
		}
		return nil, nil, false
	}
}

// maxMessageBytes is topic t's max.message.bytes, or Kafka's default.
func maxMessageBytes(c *kfake.Cluster, t *kmsg.ProduceRequestTopic, byID bool) int {
	var ti *kfake.TopicInfo
	if !byID {
		ti = c.TopicInfo(t.Topic)
	} else {
		ti = c.TopicIDInfo(t.TopicID)
	}
	if ti != nil {
		if v := ti.Configs["max.message.bytes"]; v != nil {
			var n int
			if _, err := fmt.Sscan(*v, &n); err == nil {
				return n
			}
		}
	}
	return 1048588
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errNotStamped: records that are not one valid magic-2 data batch are
// left to kfake to accept or refuse as they are.
var errNotStamped = errors.New("not a batch to stamp")

// stampBatch returns records (one record batch of magic 2, as Produce v3+
// carries) with timestamp now on every record, uncompressed.
func stampBatch(records []byte, now int64) ([]byte, error) {
	const header = 61
	if len(records) < header || records[16] != 2 || 12+int(int32(binary.BigEndian.Uint32(records[8:]))) != len(records) {
		return nil, errNotStamped
	}
	if binary.BigEndian.Uint32(records[17:]) != crc32.Checksum(records[21:], castagnoli) {
		return nil, errNotStamped // kfake refuses it as corrupt
	}
	attrs := binary.BigEndian.Uint16(records[21:])
	if attrs&0x20 != 0 || attrs&0x08 != 0 {
		return nil, errNotStamped // a control batch, or one kfake stamps itself
	}
	body, err := decompress(attrs&0x07, records[header:])
	if err != nil {
		return nil, err
	}
	n := int(int32(binary.BigEndian.Uint32(records[57:])))
	out := make([]byte, header, header+len(body))
	copy(out, records[:header])
	for range n {
		length, w := binary.Varint(body)
		if w <= 0 || length < 2 || int64(len(body)-w) < length {
			return nil, errNotStamped
		}
		rec := body[w : w+int(length)]
		body = body[w+int(length):]
		// attributes (1 byte), then the timestamp delta, set to 0.
		_, dw := binary.Varint(rec[1:])
		if dw <= 0 {
			return nil, errNotStamped
		}
		rest := rec[1+dw:]
		out = binary.AppendVarint(out, int64(2+len(rest)))
		out = append(out, rec[0], 0) // varint 0 is the byte 0
		out = append(out, rest...)
	}
	if len(body) != 0 {
		return nil, errNotStamped
	}
	binary.BigEndian.PutUint32(out[8:], uint32(len(out)-12))
	binary.BigEndian.PutUint16(out[21:], attrs&^0x07)
	binary.BigEndian.PutUint64(out[27:], uint64(now))
	binary.BigEndian.PutUint64(out[35:], uint64(now))
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], castagnoli))
	return out, nil
}

// xerialMagic starts snappy data framed as Java's (xerial) SnappyOutputStream
// writes it; librdkafka, Sarama and kafka-go may send a plain snappy block.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// decompress returns the records of a batch compressed with codec
// (Kafka's attribute bits: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
func decompress(codec uint16, data []byte) ([]byte, error) {
	switch codec {
	case 0:
		return data, nil
	case 1:
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case 2:
		if !bytes.HasPrefix(data, xerialMagic) {
			return snappy.Decode(nil, data)
		}
		data = data[16:] // magic, version, compatible version
		var out []byte
		for len(data) > 0 {
			if len(data) < 4 {
				return nil, errNotStamped
			}
			size := int(binary.BigEndian.Uint32(data))
			if size < 0 || size > len(data)-4 {
				return nil, errNotStamped
			}
			block, err := snappy.Decode(nil, data[4:4+size])
			if err != nil {
				return nil, err
			}
			out = append(out, block...)
			data = data[4+size:]
		}
		return out, nil
	case 3:
		return io.ReadAll(lz4.NewReader(bytes.NewReader(data)))
	case 4:
		zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return zr.DecodeAll(data, nil)
	}
	return nil, errNotStamped
}
