//! SPDY/3 header blocks: the name/value block layout and its zlib contexts (one per direction, primed with the
//! spec's dictionary); no IO.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use super::SpdyError;

/// Header names and values as carried in a block; SPDY requires lowercase names, several values join with NUL.
pub type Headers = Vec<(String, String)>;

/// The words the SPDY/3 draft (§2.6.10.1) primes the zlib window with, each written with a 4-byte length ahead.
const WORDS: [&str; 65] = [
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
];

/// What follows the words in the dictionary, written without lengths.
const TAIL: &str = concat!(
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505",
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized",
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable",
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT",
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,",
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
);

/// The SPDY/3 zlib dictionary.
pub fn dictionary() -> Vec<u8> {
    let mut out = Vec::with_capacity(1423);
    for word in WORDS {
        out.extend_from_slice(&(word.len() as u32).to_be_bytes());
        out.extend_from_slice(word.as_bytes());
    }
    out.extend_from_slice(TAIL.as_bytes());
    out
}

/// Serializes a block: a 4-byte count, then each name and value with a 4-byte length.
pub fn write_block(headers: &Headers) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    for (name, value) in headers {
        for part in [name.to_ascii_lowercase().as_bytes(), value.as_bytes()] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

/// Parses an uncompressed block.
pub fn read_block(bytes: &[u8]) -> Result<Headers, SpdyError> {
    let mut cursor = Cursor { bytes, at: 0 };
    let count = cursor.number()?;
    let mut headers = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        // Names are lowercased, as spdystream does with a peer that sent otherwise.
        let name = cursor.text()?.to_ascii_lowercase();
        let value = cursor.text()?;
        headers.push((name, value));
    }
    Ok(headers)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SpdyError> {
        let part = self.bytes.get(self.at..self.at + n).ok_or(SpdyError::Malformed("header block too short"))?;
        self.at += n;
        Ok(part)
    }

    fn number(&mut self) -> Result<usize, SpdyError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// A length-prefixed string.
    fn text(&mut self) -> Result<String, SpdyError> {
        let len = self.number()?;
        Ok(String::from_utf8_lossy(self.take(len)?).into_owned())
    }
}

/// Compresses the blocks this side sends: one zlib stream for the whole connection, flushed per block.
pub struct Deflater(Compress);

impl Deflater {
    pub fn new() -> Result<Self, SpdyError> {
        // Go's spdystream compresses at the best level; the level only changes the bytes, not their meaning.
        let mut z = Compress::new(Compression::best(), true);
        z.set_dictionary(&dictionary()).map_err(|_| SpdyError::Zlib("setting the deflate dictionary"))?;
        Ok(Deflater(z))
    }

    pub fn compress(&mut self, headers: &Headers) -> Result<Vec<u8>, SpdyError> {
        let input = write_block(headers);
        let mut out = Vec::with_capacity(input.len() + 64);
        let mut consumed = 0usize;
        loop {
            let before = self.0.total_in();
            self.0
                .compress_vec(&input[consumed..], &mut out, FlushCompress::Sync)
                .map_err(|_| SpdyError::Zlib("deflating a header block"))?;
            consumed += (self.0.total_in() - before) as usize;
            // A sync flush is complete once all input is in and zlib left room in the output.
            if consumed == input.len() && out.len() < out.capacity() {
                return Ok(out);
            }
            out.reserve(out.capacity().max(64));
        }
    }
}

/// Decompresses the blocks the peer sends, on its own zlib stream.
pub struct Inflater(Decompress);

impl Default for Inflater {
    fn default() -> Self {
        Inflater(Decompress::new(true))
    }
}

impl Inflater {
    pub fn decompress(&mut self, input: &[u8]) -> Result<Headers, SpdyError> {
        let mut out = Vec::with_capacity(input.len() * 4 + 64);
        let mut consumed = 0usize;
        loop {
            let (in_before, out_before) = (self.0.total_in(), out.len());
            let result = self.0.decompress_vec(&input[consumed..], &mut out, FlushDecompress::Sync);
            consumed += (self.0.total_in() - in_before) as usize;
            match result {
                Ok(_) => {}
                // The first block's zlib header names the dictionary; zlib asks for it before any output.
                Err(e) if e.needs_dictionary().is_some() => {
                    self.0.set_dictionary(&dictionary()).map_err(|_| SpdyError::Zlib("setting the dictionary"))?;
                    continue;
                }
                Err(_) => return Err(SpdyError::Zlib("inflating a header block")),
            }
            if consumed == input.len() && out.len() < out.capacity() {
                return read_block(&out);
            }
            if out.len() == out.capacity() {
                out.reserve(out.capacity());
            } else if consumed == input.len() || (self.0.total_in() == in_before && out.len() == out_before) {
                return Err(SpdyError::Zlib("header block ended early"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adler32(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in bytes {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    #[test]
    fn dictionary_is_the_spdy3_one() {
        let d = dictionary();
        // The length and checksum of the dictionary in the SPDY/3 draft (and Go's spdystream).
        assert_eq!(d.len(), 1423);
        assert_eq!(adler32(&d), 0xe3c6_a7c2);
    }

    #[test]
    fn blocks_round_trip_through_one_stream_per_direction() {
        let mut deflate = Deflater::new().unwrap();
        let mut inflate = Inflater::default();
        let first: Headers = vec![
            ("streamtype".into(), "error".into()),
            ("port".into(), "9400".into()),
            ("requestid".into(), "0".into()),
        ];
        let second: Headers = vec![("streamtype".into(), "data".into()), ("port".into(), "9400".into())];
        let a = deflate.compress(&first).unwrap();
        // The first block starts a zlib stream that names the dictionary (FDICT set).
        assert_eq!(a[0] & 0x0f, 8);
        assert_ne!(a[1] & 0x20, 0);
        let b = deflate.compress(&second).unwrap();
        assert_eq!(inflate.decompress(&a).unwrap(), first);
        assert_eq!(inflate.decompress(&b).unwrap(), second);
        assert_eq!(inflate.decompress(&deflate.compress(&Vec::new()).unwrap()).unwrap(), Vec::new());
    }

    #[test]
    fn names_are_lowercased_and_truncated_blocks_refused() {
        let block = write_block(&vec![("StreamType".into(), "data".into())]);
        assert_eq!(read_block(&block).unwrap(), vec![("streamtype".to_string(), "data".to_string())]);
        assert!(read_block(&block[..block.len() - 1]).is_err());
    }
}
