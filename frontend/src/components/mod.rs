//! The page's components, one small component a file.

pub mod board;
pub mod compare;
pub mod controls;
pub mod cost;
pub mod editor;
pub mod explorer;
pub mod help;
pub mod lesson;
pub mod memory;
pub mod modes;
pub mod narrative;
pub mod outcome;
pub mod share;
pub mod timeline;
pub mod tlb_table;
pub mod wrap;
