//! The procedural sample dataset: six shape and pattern classes drawn into small RGB images with noise, a pure
//! function of a seed, so training and the shipped samples are reproducible anywhere.

/// The classes, in the order of the model's outputs (and of `labels.txt`).
pub const CLASSES: [&str; 6] = ["circle", "square", "triangle", "hstripes", "vstripes", "cross"];

/// Side of the square images, in pixels.
pub const SIDE: usize = 32;

/// splitmix64: tiny, seedable and identical on every platform (candle cannot seed its own CPU generator).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// One image: `SIDE`×`SIDE` RGB, row-major, 3 bytes a pixel.
pub type Pixels = Vec<u8>;

/// Draws an image of `class` (an index into `CLASSES`).
pub fn draw(class: usize, rng: &mut Rng) -> Pixels {
    let (background, foreground) = colours(rng);
    let centre = (rng.range(11.0, 21.0), rng.range(11.0, 21.0));
    let radius = rng.range(6.0, 10.0);
    let period = rng.range(4.0, 7.0);
    let phase = rng.range(0.0, period);
    let apex_up = rng.unit() < 0.5;
    let mut pixels = Vec::with_capacity(SIDE * SIDE * 3);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let (dx, dy) = (px - centre.0, py - centre.1);
            let inside = match CLASSES[class % CLASSES.len()] {
                "circle" => dx * dx + dy * dy <= radius * radius,
                "square" => dx.abs() <= radius * 0.8 && dy.abs() <= radius * 0.8,
                "triangle" => {
                    // Apex up or down; the base is as wide as the triangle is tall.
                    let t = if apex_up { dy } else { -dy };
                    t.abs() <= radius && dx.abs() <= (t + radius) * 0.5
                }
                "hstripes" => ((py + phase) / period).floor() as i64 % 2 == 0,
                "vstripes" => ((px + phase) / period).floor() as i64 % 2 == 0,
                _ => {
                    (dx.abs() <= radius * 0.25 && dy.abs() <= radius)
                        || (dy.abs() <= radius * 0.25 && dx.abs() <= radius)
                }
            };
            let colour = if inside { foreground } else { background };
            for channel in colour {
                let noisy = channel + rng.range(-0.08, 0.08);
                pixels.push((noisy.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
    }
    pixels
}

/// A background and a foreground colour far enough apart to tell shapes from ground.
fn colours(rng: &mut Rng) -> ([f32; 3], [f32; 3]) {
    loop {
        let background = [rng.unit(), rng.unit(), rng.unit()];
        let foreground = [rng.unit(), rng.unit(), rng.unit()];
        let distance: f32 = background.iter().zip(&foreground).map(|(a, b)| (a - b).abs()).sum();
        if distance > 0.9 {
            return (background, foreground);
        }
    }
}

/// `count` images with their classes, classes in turn so every batch holds them all.
pub fn batch(count: usize, rng: &mut Rng) -> (Vec<Pixels>, Vec<u32>) {
    let classes: Vec<u32> = (0..count).map(|i| (i % CLASSES.len()) as u32).collect();
    let images = classes.iter().map(|c| draw(*c as usize, rng)).collect();
    (images, classes)
}
