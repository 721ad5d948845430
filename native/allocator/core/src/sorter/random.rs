//! Weighted random order, as Mesos' random sorter: before each scan the clients
//! are drawn without replacement with probability proportional to weight
//! (exponential clocks: the smallest −ln(u)/weight goes first).

use rustc_hash::FxHashMap as HashMap;

use super::{SortKey, Sorter};
use crate::rng::Rng;

#[derive(Clone, Debug, Default)]
pub struct RandomSorter {
    clients: Vec<(u32, f64)>,
    position: HashMap<u32, usize>,
    order: Vec<u32>,
    scratch: Vec<(f64, u32)>,
}

impl Sorter for RandomSorter {
    type Iter<'a> = std::iter::Copied<std::slice::Iter<'a, u32>>;

    fn insert(&mut self, id: u32, _key: SortKey, weight: f64) {
        if let Some(&i) = self.position.get(&id) {
            self.clients[i].1 = weight;
            return;
        }
        self.position.insert(id, self.clients.len());
        self.clients.push((id, weight));
        self.order.push(id);
    }

    fn remove(&mut self, id: u32, _key: &SortKey) {
        if let Some(i) = self.position.remove(&id) {
            self.clients.swap_remove(i);
            if let Some(&(moved, _)) = self.clients.get(i) {
                self.position.insert(moved, i);
            }
            self.order.retain(|&c| c != id);
        }
    }

    fn rekey(&mut self, id: u32, _old: &SortKey, _new: SortKey, weight: f64) {
        if let Some(&i) = self.position.get(&id) {
            self.clients[i].1 = weight;
        }
    }

    fn prepare(&mut self, rng: &mut Rng) {
        self.scratch.clear();
        for &(id, weight) in &self.clients {
            self.scratch.push((-rng.unit().ln() / weight, id));
        }
        self.scratch.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.order.clear();
        self.order.extend(self.scratch.iter().map(|&(_, id)| id));
    }

    fn iter(&self) -> Self::Iter<'_> {
        self.order.iter().copied()
    }

    fn len(&self) -> usize {
        self.clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavier_clients_come_first_more_often() {
        let mut s = RandomSorter::default();
        s.insert(0, SortKey::new(0.0, 1), 1.0);
        s.insert(1, SortKey::new(0.0, 1), 3.0);
        let mut rng = Rng::new(42);
        let mut first = [0u32; 2];
        for _ in 0..10_000 {
            s.prepare(&mut rng);
            first[s.iter().next().unwrap() as usize] += 1;
        }
        // P(client 1 first) = 3 / (1 + 3) = .75
        let p = first[1] as f64 / 10_000.0;
        assert!((p - 0.75).abs() < 0.02, "p = {p}");
    }
}
