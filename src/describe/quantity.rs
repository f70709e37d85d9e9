//! Kubernetes resource quantities as apimachinery handles them: parse, add, compare, round, canonical string.

use std::cmp::Ordering;

/// How a quantity prints: the suffix family it was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    DecimalSI,
    BinarySI,
    DecimalExponent,
}

/// `value * 10^scale`, exact, with the format the first parsed operand had.
#[derive(Clone, Copy, Debug)]
pub(super) struct Quantity {
    value: i128,
    scale: i32,
    format: Format,
}

impl Default for Quantity {
    fn default() -> Self {
        Quantity { value: 0, scale: 0, format: Format::DecimalSI }
    }
}

/// Nano is the finest precision a quantity keeps; finer values round up (away from zero).
const NANO: i32 = -9;

fn pow10(n: u32) -> i128 {
    10i128.saturating_pow(n)
}

impl Quantity {
    /// Parses `1500m`, `2Gi`, `1.5`, `1e3`, `+4k`, ...; `None` for anything apimachinery would reject.
    pub(super) fn parse(s: &str) -> Option<Quantity> {
        let s = s.trim();
        let (negative, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(num_end);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
            return None;
        }
        let (base2, exponent, mut format) = interpret_suffix(suffix)?;
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        // Far beyond anything a resource list holds; keep the arithmetic in range.
        if digits.len() > 30 {
            return None;
        }
        let mut value: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        let mut scale = -i32::try_from(frac_part.len()).ok()?;
        if base2 {
            value = value.checked_mul(1i128.checked_shl(u32::try_from(exponent).ok()?)?)?;
        } else {
            scale = scale.checked_add(exponent)?;
        }
        if scale < NANO {
            let shift = u32::try_from(NANO - scale).ok()?;
            let div = if shift > 38 { i128::MAX } else { pow10(shift) };
            let rounded = value / div + i128::from(value % div != 0);
            value = rounded;
            scale = NANO;
        }
        if scale > 30 || value.checked_mul(pow10(u32::try_from(scale.max(0)).ok()?)).is_none() {
            return None;
        }
        if negative {
            value = -value;
        }
        let q = Quantity { value, scale, format };
        if format == Format::BinarySI && q.value > 0 && q.cmp_int(1) == Ordering::Less {
            format = Format::DecimalSI;
        }
        Some(Quantity { format, ..q })
    }

    pub(super) fn is_zero(&self) -> bool {
        self.value == 0
    }

    /// Both operands at the smaller scale.
    fn aligned(&self, other: &Quantity) -> (i128, i128, i32) {
        let scale = self.scale.min(other.scale);
        let up = |q: &Quantity| q.value.saturating_mul(pow10(u32::try_from(q.scale - scale).unwrap_or(0)));
        (up(self), up(other), scale)
    }

    /// `q.Add(y)`: a zero receiver takes the other's format.
    pub(super) fn add(&mut self, other: &Quantity) {
        if self.is_zero() {
            self.format = other.format;
        }
        let (a, b, scale) = self.aligned(other);
        self.value = a.saturating_add(b);
        self.scale = scale;
    }

    pub(super) fn cmp(&self, other: &Quantity) -> Ordering {
        let (a, b, _) = self.aligned(other);
        a.cmp(&b)
    }

    fn cmp_int(&self, n: i128) -> Ordering {
        self.cmp(&Quantity { value: n, scale: 0, format: Format::DecimalSI })
    }

    /// `ScaledValue(scale)`: the value in units of `10^scale`, rounded away from zero.
    fn scaled(&self, scale: i32) -> i64 {
        let v = if self.scale >= scale {
            self.value.saturating_mul(pow10(u32::try_from(self.scale - scale).unwrap_or(0)))
        } else {
            let div = pow10(u32::try_from(scale - self.scale).unwrap_or(0));
            let q = self.value / div;
            if self.value % div == 0 { q } else { q + self.value.signum() }
        };
        i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    }

    /// `Value()`: whole units, rounded up.
    pub(super) fn whole(&self) -> i64 {
        self.scaled(0)
    }

    /// `MilliValue()`: thousandths, rounded up.
    pub(super) fn milli(&self) -> i64 {
        self.scaled(-3)
    }

    /// Whether the value is a whole number.
    fn is_integer(&self) -> bool {
        self.scale >= 0 || self.value % pow10(u32::try_from(-self.scale).unwrap_or(0)) == 0
    }

    /// `String()`: the canonical form (`1500m`, `3Gi`, `0`).
    pub(super) fn canonical(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == Format::BinarySI
            && ((self.cmp_int(-1024) == Ordering::Greater && self.cmp_int(1024) == Ordering::Less)
                || !self.is_integer())
        {
            format = Format::DecimalSI;
        }
        if format == Format::BinarySI {
            let mut v = self.value.saturating_mul(pow10(u32::try_from(self.scale.max(0)).unwrap_or(0)));
            if self.scale < 0 {
                v /= pow10(u32::try_from(-self.scale).unwrap_or(0));
            }
            let mut exp = 0;
            while v != 0 && v % 1024 == 0 && exp < 6 {
                v /= 1024;
                exp += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exp];
            return format!("{v}{suffix}");
        }
        let mut v = self.value;
        let mut exp = self.scale;
        while v != 0 && v % 10 == 0 {
            v /= 10;
            exp += 1;
        }
        let r = exp.rem_euclid(3);
        v = v.saturating_mul(pow10(u32::try_from(r).unwrap_or(0)));
        exp -= r;
        let suffix = match format {
            Format::DecimalExponent if exp == 0 => String::new(),
            Format::DecimalExponent => format!("e{exp}"),
            _ => match exp {
                0 => String::new(),
                3 => "k".into(),
                6 => "M".into(),
                9 => "G".into(),
                12 => "T".into(),
                15 => "P".into(),
                18 => "E".into(),
                -3 => "m".into(),
                -6 => "u".into(),
                -9 => "n".into(),
                e => format!("e{e}"),
            },
        };
        format!("{v}{suffix}")
    }
}

/// The suffix's base (true = powers of two), exponent and format.
fn interpret_suffix(s: &str) -> Option<(bool, i32, Format)> {
    let dec = |e| Some((false, e, Format::DecimalSI));
    let bin = |e| Some((true, e, Format::BinarySI));
    match s {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ => {
            let rest = s.strip_prefix(['e', 'E'])?;
            let e: i32 = rest.parse().ok()?;
            if !(-100..=100).contains(&e) {
                return None;
            }
            Some((false, e, Format::DecimalExponent))
        }
    }
}

/// A quantity from a JSON value (string or number); unparsable values count as zero like kubectl's decoder would
/// have refused them.
pub(super) fn from_json(v: &serde_json::Value) -> Quantity {
    match v {
        serde_json::Value::String(s) => Quantity::parse(s).unwrap_or_default(),
        serde_json::Value::Number(n) => Quantity::parse(&n.to_string()).unwrap_or_default(),
        _ => Quantity::default(),
    }
}

/// The canonical form of a quantity written in an object (`"1000m"` prints as `1`).
pub(super) fn canonical_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => Quantity::parse(s).map(|q| q.canonical()).unwrap_or_else(|| s.clone()),
        other => from_json(other).canonical(),
    }
}
