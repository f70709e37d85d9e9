//! An allocator that counts the bytes allocated and not yet freed, for the benches that measure what a view holds.

/// Counts the bytes allocated and not yet freed, so what a view holds is measured exactly (RSS would also count
/// the decoded JSON freed since, which the allocator keeps).
pub struct Counting;

static LIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), std::sync::atomic::Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

pub fn live_bytes() -> usize {
    LIVE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The most bytes held at once since the last `reset_peak`.
#[allow(dead_code)] // the helm bench only
pub fn peak_bytes() -> usize {
    PEAK.load(std::sync::atomic::Ordering::Relaxed)
}

#[allow(dead_code)] // the helm bench only
pub fn reset_peak() {
    PEAK.store(live_bytes(), std::sync::atomic::Ordering::Relaxed);
}
