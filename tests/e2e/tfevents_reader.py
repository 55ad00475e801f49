"""An independent reader of TensorBoard event files, for tests/e2e/log_dir.sh: TFRecord framing
checked with crcmod's CRC-32C (Debian python3-crcmod), Event protocol buffers decoded by Debian's
python3-protobuf from a schema written here from TensorBoard's published field numbers
(tensorboard/compat/proto/event.proto and summary.proto), not from graphc's writer.

Usage: tfevents_reader.py FILE  prints one JSON object per event:
  {"wall_time": ..., "step": ..., "file_version": ...} or {..., "scalars": {"tag": value}}
"""
import json
import struct
import sys

import crcmod.predefined
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

FD = descriptor_pb2.FieldDescriptorProto


def schema():
    f = descriptor_pb2.FileDescriptorProto(name="tb_event_subset.proto", package="tensorboard", syntax="proto3")

    def message(name, fields):
        m = f.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            field = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = type_name

    opt, rep = FD.LABEL_OPTIONAL, FD.LABEL_REPEATED
    # summary.proto: message Summary { message Value { string tag = 1; float simple_value = 2; ... } repeated Value value = 1; }
    message("SummaryValue", [("tag", 1, FD.TYPE_STRING, opt, None), ("simple_value", 2, FD.TYPE_FLOAT, opt, None)])
    message("Summary", [("value", 1, FD.TYPE_MESSAGE, rep, ".tensorboard.SummaryValue")])
    # event.proto: double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5;
    message("Event", [("wall_time", 1, FD.TYPE_DOUBLE, opt, None), ("step", 2, FD.TYPE_INT64, opt, None),
                      ("file_version", 3, FD.TYPE_STRING, opt, None),
                      ("summary", 5, FD.TYPE_MESSAGE, opt, ".tensorboard.Summary")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    descriptor = pool.FindMessageTypeByName("tensorboard.Event")
    factory = message_factory.MessageFactory(pool)
    return factory.GetMessageClass(descriptor) if hasattr(factory, "GetMessageClass") else factory.GetPrototype(descriptor)


crc32c = crcmod.predefined.mkCrcFun("crc-32c")


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    data = open(path, "rb").read()
    at = 0
    while at < len(data):
        if len(data) - at < 12:
            sys.exit(f"{path}: {len(data) - at} trailing bytes, not a whole record header")
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[at + 8:at + 12])
        if masked(header) != length_crc:
            sys.exit(f"{path}: record at byte {at}: the length's CRC is wrong")
        body = data[at + 12:at + 12 + length]
        (body_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
        if len(body) != length or masked(body) != body_crc:
            sys.exit(f"{path}: record at byte {at}: the data's CRC is wrong")
        yield body
        at += 16 + length


def main():
    Event = schema()
    for body in records(sys.argv[1]):
        e = Event()
        e.ParseFromString(body)
        out = {"wall_time": e.wall_time, "step": e.step}
        if e.file_version:
            out["file_version"] = e.file_version
        else:
            out["scalars"] = {v.tag: v.simple_value for v in e.summary.value}
        print(json.dumps(out))


main()
