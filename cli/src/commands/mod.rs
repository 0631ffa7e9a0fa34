pub mod layer;
