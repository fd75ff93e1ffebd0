//! Background work: the queue's job kinds and the runner that claims and carries them out on
//! every node (the queue's leases make each job run once), and the emails they send.

pub mod emails;
pub mod runner;
