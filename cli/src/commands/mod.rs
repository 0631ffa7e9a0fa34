pub mod analyze;
pub mod demo;
pub mod layer;
pub mod play;
pub mod preset;
pub mod stems;
