//! SPDY/3.1 frames, the subset Kubernetes streaming uses (SYN_STREAM/SYN_REPLY/RST_STREAM/SETTINGS/PING/GOAWAY/
//! HEADERS/WINDOW_UPDATE/DATA), to and from bytes; no IO.

pub mod headers;

use bytes::{Buf, BufMut, Bytes, BytesMut};

pub use headers::{Deflater, Headers, Inflater};

pub const VERSION: u16 = 3;
/// The FIN flag of DATA, SYN_STREAM, SYN_REPLY and HEADERS frames.
pub const FIN: u8 = 0x01;
/// RST_STREAM statuses (SPDY/3 §2.6.2).
pub const PROTOCOL_ERROR: u32 = 1;
pub const CANCEL: u32 = 5;
/// The largest payload a frame's 24-bit length can carry.
pub const MAX_PAYLOAD: usize = (1 << 24) - 1;

const SYN_STREAM: u16 = 1;
const SYN_REPLY: u16 = 2;
const RST_STREAM: u16 = 3;
const SETTINGS: u16 = 4;
const PING: u16 = 6;
const GOAWAY: u16 = 7;
const HEADERS: u16 = 8;
const WINDOW_UPDATE: u16 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpdyError {
    #[error("malformed SPDY frame: {0}")]
    Malformed(&'static str),
    #[error("SPDY header compression: {0}")]
    Zlib(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    SynStream {
        stream: u32,
        associated: u32,
        priority: u8,
        flags: u8,
        headers: Headers,
    },
    SynReply {
        stream: u32,
        flags: u8,
        headers: Headers,
    },
    RstStream {
        stream: u32,
        status: u32,
    },
    /// `(flags, id, value)` entries.
    Settings {
        flags: u8,
        entries: Vec<(u8, u32, u32)>,
    },
    Ping {
        id: u32,
    },
    GoAway {
        last_good: u32,
        status: u32,
    },
    Headers {
        stream: u32,
        flags: u8,
        headers: Headers,
    },
    WindowUpdate {
        stream: u32,
        delta: u32,
    },
    Data {
        stream: u32,
        flags: u8,
        data: Bytes,
    },
    /// A control frame type this subset does not read (the spec says to ignore unknown types).
    Unknown {
        kind: u16,
    },
}

/// Takes one whole frame off the front of `buf`; None while the frame is still incomplete.
pub fn decode(buf: &mut BytesMut, inflate: &mut Inflater) -> Result<Option<Frame>, SpdyError> {
    if buf.len() < 8 {
        return Ok(None);
    }
    let length = (u32::from_be_bytes([0, buf[5], buf[6], buf[7]])) as usize;
    if buf.len() < 8 + length {
        return Ok(None);
    }
    let first = buf.get_u32();
    let flags = buf.get_u8();
    buf.advance(3);
    let mut payload = buf.split_to(length).freeze();
    if first & 0x8000_0000 == 0 {
        return Ok(Some(Frame::Data { stream: first & 0x7fff_ffff, flags, data: payload }));
    }
    let kind = (first & 0xffff) as u16;
    let need =
        |n: usize, p: &Bytes| if p.len() < n { Err(SpdyError::Malformed("control frame too short")) } else { Ok(()) };
    let frame = match kind {
        SYN_STREAM => {
            need(10, &payload)?;
            let stream = payload.get_u32() & 0x7fff_ffff;
            let associated = payload.get_u32() & 0x7fff_ffff;
            let priority = payload.get_u8() >> 5;
            payload.advance(1);
            Frame::SynStream { stream, associated, priority, flags, headers: inflate.decompress(&payload)? }
        }
        SYN_REPLY | HEADERS => {
            need(4, &payload)?;
            let stream = payload.get_u32() & 0x7fff_ffff;
            let headers = inflate.decompress(&payload)?;
            if kind == SYN_REPLY {
                Frame::SynReply { stream, flags, headers }
            } else {
                Frame::Headers { stream, flags, headers }
            }
        }
        RST_STREAM => {
            need(8, &payload)?;
            Frame::RstStream { stream: payload.get_u32() & 0x7fff_ffff, status: payload.get_u32() }
        }
        SETTINGS => {
            need(4, &payload)?;
            let count = payload.get_u32() as usize;
            need(count.saturating_mul(8), &payload)?;
            let entries = (0..count)
                .map(|_| {
                    let id = payload.get_u32();
                    ((id >> 24) as u8, id & 0x00ff_ffff, payload.get_u32())
                })
                .collect();
            Frame::Settings { flags, entries }
        }
        PING => {
            need(4, &payload)?;
            Frame::Ping { id: payload.get_u32() }
        }
        GOAWAY => {
            need(8, &payload)?;
            Frame::GoAway { last_good: payload.get_u32() & 0x7fff_ffff, status: payload.get_u32() }
        }
        WINDOW_UPDATE => {
            need(8, &payload)?;
            Frame::WindowUpdate { stream: payload.get_u32() & 0x7fff_ffff, delta: payload.get_u32() & 0x7fff_ffff }
        }
        _ => Frame::Unknown { kind },
    };
    Ok(Some(frame))
}

/// Appends `frame` to `out`; header blocks go through this direction's one compression context, so frames must be
/// written in the order they are encoded.
pub fn encode(frame: &Frame, deflate: &mut Deflater, out: &mut BytesMut) -> Result<(), SpdyError> {
    let mut payload = BytesMut::new();
    let (kind, flags) = match frame {
        Frame::Data { stream, flags, data } => {
            if data.len() > MAX_PAYLOAD {
                return Err(SpdyError::Malformed("DATA payload over 16 MiB"));
            }
            out.put_u32(stream & 0x7fff_ffff);
            out.put_u32((u32::from(*flags) << 24) | data.len() as u32);
            out.put_slice(data);
            return Ok(());
        }
        Frame::SynStream { stream, associated, priority, flags, headers } => {
            payload.put_u32(*stream);
            payload.put_u32(*associated);
            payload.put_u8(priority << 5);
            payload.put_u8(0);
            payload.put_slice(&deflate.compress(headers)?);
            (SYN_STREAM, *flags)
        }
        Frame::SynReply { stream, flags, headers } => {
            payload.put_u32(*stream);
            payload.put_slice(&deflate.compress(headers)?);
            (SYN_REPLY, *flags)
        }
        Frame::Headers { stream, flags, headers } => {
            payload.put_u32(*stream);
            payload.put_slice(&deflate.compress(headers)?);
            (HEADERS, *flags)
        }
        Frame::RstStream { stream, status } => {
            payload.put_u32(*stream);
            payload.put_u32(*status);
            (RST_STREAM, 0)
        }
        Frame::Settings { flags, entries } => {
            payload.put_u32(entries.len() as u32);
            for (flag, id, value) in entries {
                payload.put_u32((u32::from(*flag) << 24) | (id & 0x00ff_ffff));
                payload.put_u32(*value);
            }
            (SETTINGS, *flags)
        }
        Frame::Ping { id } => {
            payload.put_u32(*id);
            (PING, 0)
        }
        Frame::GoAway { last_good, status } => {
            payload.put_u32(*last_good);
            payload.put_u32(*status);
            (GOAWAY, 0)
        }
        Frame::WindowUpdate { stream, delta } => {
            payload.put_u32(*stream);
            payload.put_u32(*delta);
            (WINDOW_UPDATE, 0)
        }
        Frame::Unknown { .. } => return Err(SpdyError::Malformed("cannot encode an unknown frame")),
    };
    out.put_u16(0x8000 | VERSION);
    out.put_u16(kind);
    out.put_u32((u32::from(flags) << 24) | payload.len() as u32);
    out.put_slice(&payload);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(frames: &[Frame]) -> Vec<Frame> {
        let (mut deflate, mut inflate) = (Deflater::new().unwrap(), Inflater::default());
        let mut wire = BytesMut::new();
        for f in frames {
            encode(f, &mut deflate, &mut wire).unwrap();
        }
        let mut out = Vec::new();
        while let Some(f) = decode(&mut wire, &mut inflate).unwrap() {
            out.push(f);
        }
        assert!(wire.is_empty());
        out
    }

    #[test]
    fn every_frame_round_trips() {
        let h = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let frames = vec![
            Frame::SynStream {
                stream: 1,
                associated: 0,
                priority: 0,
                flags: 0,
                headers: h(&[("streamtype", "error"), ("port", "80"), ("requestid", "0")]),
            },
            Frame::SynReply { stream: 1, flags: 0, headers: Vec::new() },
            Frame::SynStream { stream: 3, associated: 0, priority: 7, flags: FIN, headers: h(&[("a", "b\0c")]) },
            Frame::Headers { stream: 3, flags: FIN, headers: h(&[("x", "y")]) },
            Frame::Data { stream: 3, flags: 0, data: Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n") },
            Frame::Data { stream: 3, flags: FIN, data: Bytes::new() },
            Frame::RstStream { stream: 3, status: CANCEL },
            Frame::Settings { flags: 0, entries: vec![(0, 7, 65536), (1, 4, 100)] },
            Frame::Ping { id: 1 },
            Frame::WindowUpdate { stream: 1, delta: 65536 },
            Frame::GoAway { last_good: 3, status: 0 },
        ];
        assert_eq!(round_trip(&frames), frames);
    }

    #[test]
    fn partial_frames_wait_for_the_rest() {
        let mut deflate = Deflater::new().unwrap();
        let mut wire = BytesMut::new();
        encode(&Frame::Data { stream: 5, flags: FIN, data: Bytes::from_static(b"hello") }, &mut deflate, &mut wire)
            .unwrap();
        encode(&Frame::Ping { id: 9 }, &mut deflate, &mut wire).unwrap();
        let all = wire.clone();
        let mut inflate = Inflater::default();
        let mut partial = BytesMut::from(&all[..10]);
        assert_eq!(decode(&mut partial, &mut inflate).unwrap(), None);
        partial.extend_from_slice(&all[10..]);
        assert!(matches!(decode(&mut partial, &mut inflate).unwrap(), Some(Frame::Data { stream: 5, flags: FIN, .. })));
        assert_eq!(decode(&mut partial, &mut inflate).unwrap(), Some(Frame::Ping { id: 9 }));
    }

    #[test]
    fn control_frame_layout_matches_the_spec() {
        let mut deflate = Deflater::new().unwrap();
        let mut wire = BytesMut::new();
        encode(&Frame::RstStream { stream: 7, status: CANCEL }, &mut deflate, &mut wire).unwrap();
        assert_eq!(&wire[..], &[0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 5]);
        let mut unknown = BytesMut::from(&[0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 0][..]);
        assert_eq!(decode(&mut unknown, &mut Inflater::default()).unwrap(), Some(Frame::Unknown { kind: 10 }));
    }
}
