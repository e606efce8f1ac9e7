//! One file per rule, grouped by benchmark section.

pub mod section1;
pub mod section2;
pub mod section3;
pub mod section4;
pub mod section5;
pub mod section6;
pub mod section7;
