#!/usr/bin/env python3
"""cnn16 from one initial state in graphc and in PyTorch (Keras Adam), both in file order: do they agree?

usage: /usr/bin/python3 bench/same_init_cnn16.py SEEDS STEPS    e.g. 0,2 1,10,100,1000,3000

For each seed: PyTorch draws the Keras initial weights (glorot_uniform, zero biases), writes them as
a safetensors checkpoint in graphc's names and layouts (HWIO kernels, [in, out] dense kernels, NHWC
flatten order), then both train from it on the training set in file order (a copy of
examples/cnn16.mnn with shuffle = false, graphc --load) for each number of steps; prints the
largest weight difference relative to the largest weight, both test accuracies, and how many of
the 16 units of the dense layer are dead (zero on 1,000 test images) in PyTorch.
"""
import json, math, os, struct, subprocess, sys, tempfile
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
from seed_spread import load_mnist, KerasAdam

class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 32, 3); s.c2 = nn.Conv2d(32, 64, 3); s.d1 = nn.Linear(1600, 16); s.probs = nn.Linear(16, 10)
    def forward(s, x):
        h = F.max_pool2d(F.relu(s.c1(x)), 2)
        h = F.max_pool2d(F.relu(s.c2(h)), 2)
        h = h.permute(0, 2, 3, 1).flatten(1)  # Keras' NHWC flatten order
        return s.probs(F.relu(s.d1(h)))

def to_graphc(net):
    t = {}
    for n in ('c1', 'c2'):
        t[n + '/kernel'] = getattr(net, n).weight.detach().permute(2, 3, 1, 0).contiguous().numpy()
        t[n + '/bias'] = getattr(net, n).bias.detach().numpy()
    for n in ('d1', 'probs'):
        t[n + '/kernel'] = getattr(net, n).weight.detach().t().contiguous().numpy()
        t[n + '/bias'] = getattr(net, n).bias.detach().numpy()
    return t

def write_st(path, tensors):
    header, off, blobs = {}, 0, []
    for k, v in tensors.items():
        b = np.ascontiguousarray(v, dtype='<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
        off += len(b); blobs.append(b)
    h = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h); [f.write(b) for b in blobs]

def read_st(path):
    d = open(path, 'rb').read(); n = struct.unpack('<Q', d[:8])[0]; h = json.loads(d[8:8 + n]); out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        a, b = v['data_offsets']; out[k] = np.frombuffer(d[8 + n + a:8 + n + b], '<f4').reshape(v['shape'])
    return out

xtr, ytr, xte, yte = load_mnist(ROOT + '/data/mnist', 1.0)
src = open(ROOT + '/examples/cnn16.mnn').read().replace('  metrics   = [acc]', '  metrics   = [acc]\n  shuffle   = false')
tmp = tempfile.mkdtemp()
mnn = tmp + '/cnn16_inorder.mnn'; open(mnn, 'w').write(src)
for seed in [int(s) for s in sys.argv[1].split(',')]:
    torch.manual_seed(seed)
    net = Net()
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)): nn.init.xavier_uniform_(m.weight); nn.init.zeros_(m.bias)
    init = tmp + f'/init{seed}.st'; write_st(init, to_graphc(net))
    opt = KerasAdam(net.parameters())
    checkpoints = [int(k) for k in sys.argv[2].split(',')]
    step, loss_sum, correct = 0, 0.0, 0
    for k in checkpoints:
        while step < k:
            i = step * 20 % 60000
            z = net(xtr[i:i + 20]); loss = F.cross_entropy(z, ytr[i:i + 20])
            opt.zero_grad(); loss.backward(); opt.step(); step += 1
            loss_sum += loss.item() * 20; correct += (z.argmax(1) == ytr[i:i + 20]).sum().item()
        out = tmp + f'/g{seed}_{k}.st'
        subprocess.run([ROOT + '/build/graphc', 'run', mnn, '--load', init, '--steps', str(k), '--threads', '1', '--quiet',
                        '--save', out, '--metrics-json', out + '.json'], check=True, stdout=subprocess.DEVNULL)
        g = read_st(out); p = to_graphc(net); m = json.load(open(out + '.json'))
        with torch.no_grad():
            acc = (torch.cat([net(xte[j:j + 1000]).argmax(1) for j in range(0, 10000, 1000)]) == yte).float().mean().item()
        worst = max(float(np.abs(g[n] - p[n]).max() / (np.abs(p[n]).max() + 1e-12)) for n in p)
        dead_p = int((F.relu(net.d1(F.max_pool2d(F.relu(net.c2(F.max_pool2d(F.relu(net.c1(xte[:1000])), 2))), 2).permute(0, 2, 3, 1).flatten(1))).sum(0) == 0).sum())
        print(f'seed {seed} after {k} steps: max |graphc - torch| / max|w| = {worst:.2e}; test acc graphc {m["test_accuracy"]:.4f} torch {acc:.4f}; '
              f'train loss so far torch {loss_sum / (20 * step):.4f}; torch dead d1 units {dead_p}/16', flush=True)
