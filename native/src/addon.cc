// actlab's oneDNN kernels as a Node-API addon (plain C Node-API, so one build
// serves Node 20, 22 and 24). Every function works in place on Float32Arrays
// the caller allocated (views into the wasm heap or the cpu backend's arrays):
// nothing is copied on the way in or out. Tensors are channels-last, as in
// TensorFlow.js: x [N,(D,)H,W,C], filters [(kD,)kH,kW,C/groups,outC].
// Builds against oneDNN 2.x (Debian, older distributions) and 3.x (Homebrew,
// current Ubuntu): see primitiveDesc below.
//
// Exports:
//   version() -> "major.minor.patch"
//   conv(kind, geometry: Int32Array(22), a, b, out)
//       kind 0: forward          a = x,  b = filter, out = y
//       kind 1: input gradient   a = dy, b = filter, out = dx
//       kind 2: filter gradient  a = x,  b = dy,     out = dfilter
//       geometry: N,iD,iH,iW,iC, oD,oH,oW,oC, kD,kH,kW, sD,sH,sW,
//                 dilD,dilH,dilW, padFront,padTop,padLeft, groups
//   normForward(x, gamma, beta, y, mean, variance, rows, channels, epsilon)       (plain float64 loops)
//   normBackward(dy, x, mean, variance, gamma, dx, dgamma, dbeta, rows, channels, epsilon)
//   pool(kind, geometry: Int32Array(18), a, b, out)
//       kind 0: max forward   a = x, out = y
//       kind 1: avg forward   a = x, out = y
//       kind 2: max gradient  a = x, b = dy, out = dx
//       kind 3: avg gradient  b = dy, out = dx
//       geometry: N,iD,iH,iW,C, oD,oH,oW, kD,kH,kW, sD,sH,sW, padFront,padTop,padLeft, spatialDims(2|3)
//   maxPool(geometry, x, y)                 y = the max of each window            (plain loops, no workspace)
//   maxPoolGrad(geometry, x, y, dy, dx)     dy to the first cell of each window equal to y
//   matMul(a, b, out, batchA, batchB, m, k, n, transposeA, transposeB)
//   reduceRows(x, out, rows, cols, mean)      out[c] = sum (or mean) over r of x[r, c]   (a plain loop)
//   addRow(x, row, out, rows, cols)           out[r, c] = x[r, c] + row[c]
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"
#include "oneapi/dnnl/dnnl_version.h"

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

struct JsError {
  std::string message;
};

// A failed Node-API call leaves its outputs unset: throw, naming the call and Node's reason.
void napiCheck(napi_env env, napi_status status, const char* call) {
  if (status == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  const char* why = napi_get_last_error_info(env, &info) == napi_ok && info && info->error_message
                        ? info->error_message
                        : "no reason given";
  throw JsError{std::string(call) + " failed: " + why + " (napi_status " + std::to_string(status) + ")"};
}

// NAPI_CALL(napi_foo, env, args...) calls napi_foo(env, args...) and checks its status.
#define NAPI_CALL(fn, env, ...) napiCheck((env), fn((env), __VA_ARGS__), #fn)

float* floats(napi_env env, napi_value value, size_t* length, const char* name) {
  bool isTyped = false;
  NAPI_CALL(napi_is_typedarray, env, value, &isTyped);
  if (!isTyped) throw JsError{std::string(name) + " must be a Float32Array"};
  napi_typedarray_type type;
  void* data = nullptr;
  NAPI_CALL(napi_get_typedarray_info, env, value, &type, length, &data, nullptr, nullptr);
  if (type != napi_float32_array) throw JsError{std::string(name) + " must be a Float32Array"};
  return static_cast<float*>(data);
}

int32_t* ints(napi_env env, napi_value value, size_t expected, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  bool isTyped = false;
  NAPI_CALL(napi_is_typedarray, env, value, &isTyped);
  if (isTyped) NAPI_CALL(napi_get_typedarray_info, env, value, &type, &length, &data, nullptr, nullptr);
  if (!isTyped || type != napi_int32_array || length != expected) {
    throw JsError{std::string(name) + " must be an Int32Array of " + std::to_string(expected)};
  }
  return static_cast<int32_t*>(data);
}

double number(napi_env env, napi_value value, const char* name) {
  double out = 0;
  if (napi_get_value_double(env, value, &out) != napi_ok) throw JsError{std::string(name) + " must be a number"};
  return out;
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t count) {
  std::vector<napi_value> argv(count);
  size_t argc = count;
  NAPI_CALL(napi_get_cb_info, env, info, &argc, argv.data(), nullptr, nullptr);
  if (argc < count) throw JsError{"expected " + std::to_string(count) + " arguments, got " + std::to_string(argc)};
  return argv;
}

// Runs body; turns JsError and dnnl::error into a thrown JS Error. napi_throw_error
// goes unchecked: it fails only when an exception is already pending, which then propagates.
template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const JsError& e) {
    napi_throw_error(env, nullptr, ("actlab oneDNN: " + e.message).c_str());
  } catch (const dnnl::error& e) {
    napi_throw_error(env, nullptr,
                     (std::string("actlab oneDNN: ") + e.what() + " (status " + std::to_string(e.status) + ")").c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("actlab oneDNN: ") + e.what()).c_str());
  }
  return nullptr;
}

void checkLength(size_t have, int64_t want, const char* name) {
  if (static_cast<int64_t>(have) != want) {
    throw JsError{std::string(name) + " has " + std::to_string(have) + " floats; the geometry needs " +
                  std::to_string(want)};
  }
}

// oneDNN 3.0 removed the operation descriptors (convolution_forward::desc and
// kin) that 2.x builds a primitive descriptor from: 3.x takes the engine first,
// then the same arguments, then a backward primitive's forward hint. Pooling
// differs further and has its own pair below (poolingPds).
template <typename Primitive, typename... Args>
typename Primitive::primitive_desc primitiveDesc(const Args&... args) {
#if DNNL_VERSION_MAJOR >= 3
  return typename Primitive::primitive_desc(cpuEngine(), args...);
#else
  return typename Primitive::primitive_desc(typename Primitive::desc(args...), cpuEngine());
#endif
}

// Passes no implementation over (see backwardDesc).
bool anyImpl(const char*) { return false; }

// A backward primitive's descriptor, built with its forward one as the hint and
// passing over the implementations skip(name) rejects. The loop runs here since
// 2.x's next_impl() reads the op descriptor, which must still be alive.
template <typename Primitive, typename Hint, typename Skip, typename... Args>
typename Primitive::primitive_desc backwardDesc(const Hint& forward, Skip skip, const Args&... args) {
#if DNNL_VERSION_MAJOR >= 3
  typename Primitive::primitive_desc pd(cpuEngine(), args..., forward);
#else
  typename Primitive::desc op(args...);
  typename Primitive::primitive_desc pd(op, cpuEngine(), forward);
#endif
  while (skip(pd.impl_info_str())) {
    if (!pd.next_impl()) {
      throw JsError{std::string("oneDNN has no safe implementation left after ") + pd.impl_info_str()};
    }
  }
  return pd;
}

// ---------------------------------------------------------------- convolution

struct ConvGeometry {
  int64_t n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw, sd, sh, sw, dd, dh, dw, pf, pt, pl, groups;
  bool flat() const { return id == 1 && od == 1 && kd == 1 && pf == 0; }  // a 2-D convolution
};

ConvGeometry convGeometry(const int32_t* g) {
  ConvGeometry c{g[0],  g[1],  g[2],  g[3],  g[4],  g[5],  g[6],  g[7],  g[8],  g[9],  g[10],
                 g[11], g[12], g[13], g[14], g[15], g[16], g[17], g[18], g[19], g[20], g[21]};
  if (c.groups < 1 || c.ic % c.groups != 0 || c.oc % c.groups != 0) {
    throw JsError{"groups (" + std::to_string(c.groups) + ") must divide the input (" + std::to_string(c.ic) +
                  ") and output (" + std::to_string(c.oc) + ") channels"};
  }
  return c;
}

// Right/bottom/back padding so that the output has the stated size.
int64_t padAfter(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t before) {
  return (out - 1) * s + (k - 1) * d + 1 - in - before;
}

memory::desc dataDesc(const ConvGeometry& g, bool input) {
  const int64_t c = input ? g.ic : g.oc;
  if (g.flat()) return memory::desc({g.n, c, input ? g.ih : g.oh, input ? g.iw : g.ow}, dt::f32, tag::nhwc);
  return memory::desc({g.n, c, input ? g.id : g.od, input ? g.ih : g.oh, input ? g.iw : g.ow}, dt::f32, tag::ndhwc);
}

// The TensorFlow.js filter [(kD,)kH,kW,C/groups,outC] described in oneDNN's
// logical order ((g,)o,i,(d,)h,w) by strides; output channels are group-major.
struct WeightsLayout {
  memory::dims dims, strides;
};

WeightsLayout weightsLayout(const ConvGeometry& g) {
  const int64_t G = g.groups, cig = g.ic / G, cog = g.oc / G;
  const int64_t sw = cig * g.oc, sh = g.kw * sw, sd = g.kh * sh;
  memory::dims dims, strides;
  if (G > 1) {
    dims = {G, cog, cig};
    strides = {cog, 1, g.oc};
  } else {
    dims = {g.oc, g.ic};
    strides = {1, g.oc};
  }
  if (!g.flat()) {
    dims.push_back(g.kd);
    strides.push_back(sd);
  }
  dims.push_back(g.kh);
  strides.push_back(sh);
  dims.push_back(g.kw);
  strides.push_back(sw);
  return {dims, strides};
}

memory::desc userWeightsDesc(const ConvGeometry& g) {
  const WeightsLayout w = weightsLayout(g);
  return memory::desc(w.dims, dt::f32, w.strides);
}

// The same shape in the layout oneDNN picks (a desc's dims() is get_dims() in 3.x: built anew instead).
memory::desc anyWeightsDesc(const ConvGeometry& g) { return memory::desc(weightsLayout(g).dims, dt::f32, tag::any); }

// TensorFlow.js's "same" padding goes negative where a window is smaller than
// its stride (a 1x1 convolution at stride 2 reads x at 2o+1, not 2o). oneDNN
// takes no negative padding, so such a convolution runs on a dense copy of x
// without the leading planes, rows or columns it skips.
struct Crop {
  bool active = false;
  ConvGeometry inner;  // the convolution on the copy
  memory::desc view;   // the copied part, inside the full x
  int64_t offset = 0;  // floats from x's start to the view's
};

Crop cropOf(const ConvGeometry& g) {
  Crop c;
  c.inner = g;
  const int64_t cd = g.pf < 0 ? -g.pf : 0, ch = g.pt < 0 ? -g.pt : 0, cw = g.pl < 0 ? -g.pl : 0;
  if (cd == 0 && ch == 0 && cw == 0) return c;
  c.active = true;
  c.inner.id -= cd, c.inner.ih -= ch, c.inner.iw -= cw;
  c.inner.pf += cd, c.inner.pt += ch, c.inner.pl += cw;
  const int64_t sw = g.ic, sh = g.iw * sw, sd = g.ih * sh, sn = g.id * sd;
  c.offset = cd * sd + ch * sh + cw * sw;
  const ConvGeometry& i = c.inner;
  c.view = i.flat() ? memory::desc({i.n, i.ic, i.ih, i.iw}, dt::f32, {sn, 1, sh, sw})
                    : memory::desc({i.n, i.ic, i.id, i.ih, i.iw}, dt::f32, {sn, 1, sd, sh, sw});
  return c;
}

struct ConvPlan {
  memory::desc src, dst, userWeights;
  memory::dims strides, dilations, padL, padR;
};

ConvPlan convPlan(const ConvGeometry& g) {
  ConvPlan p{dataDesc(g, true), dataDesc(g, false), userWeightsDesc(g), {}, {}, {}, {}};
  if (!g.flat()) {
    p.strides.push_back(g.sd);
    p.dilations.push_back(g.dd - 1);
    p.padL.push_back(g.pf);
    p.padR.push_back(padAfter(g.id, g.od, g.kd, g.sd, g.dd, g.pf));
  }
  p.strides.insert(p.strides.end(), {g.sh, g.sw});
  p.dilations.insert(p.dilations.end(), {g.dh - 1, g.dw - 1});
  p.padL.insert(p.padL.end(), {g.pt, g.pl});
  p.padR.insert(p.padR.end(), {padAfter(g.ih, g.oh, g.kh, g.sh, g.dh, g.pt), padAfter(g.iw, g.ow, g.kw, g.sw, g.dw, g.pl)});
  return p;
}

// One cached primitive per (kind, geometry): creating one costs far more than running a small one.
struct ConvEntry {
  dnnl::primitive prim;
  memory::desc weights;      // the primitive's weights layout
  bool reorder = false;      // whether it differs from the user's
  dnnl::reorder toPrim;      // user -> primitive (forward, input gradient)
  dnnl::reorder toUser;      // primitive -> user (filter gradient)
  std::unique_ptr<float[]> scratch;
};

std::unordered_map<std::string, std::unique_ptr<ConvEntry>> convCache;

dnnl::convolution_forward::primitive_desc forwardPd(const ConvPlan& p, const memory::desc& weights) {
  return primitiveDesc<dnnl::convolution_forward>(dnnl::prop_kind::forward_training,
                                                  dnnl::algorithm::convolution_direct, p.src, weights, p.dst,
                                                  p.strides, p.dilations, p.padL, p.padR);
}

// oneDNN 2.6's 1x1 filter gradient writes past its strided-copy ("rtus")
// workspace for channels-last input with fewer channels than its block (8 on
// AVX2, 16 on AVX-512) at a stride above 1: wrong values when another thread's
// copy lands there, else a hang or a crash (uxlfoundation/oneDNN#6035). Such
// convolutions take the next implementation.
bool unsafeFilterGradient(const char* impl, const ConvGeometry& g) {
  const bool strided = g.sd > 1 || g.sh > 1 || g.sw > 1;
  return strided && g.ic / g.groups < 16 && std::string(impl).rfind("jit_1x1", 0) == 0;
}

ConvEntry& convEntry(int kind, const int32_t* raw, const ConvGeometry& g) {
  std::string key(reinterpret_cast<const char*>(raw), 22 * sizeof(int32_t));
  key.push_back(static_cast<char>(kind));
  auto found = convCache.find(key);
  if (found != convCache.end()) return *found->second;
  auto entry = std::make_unique<ConvEntry>();
  ConvPlan p = convPlan(g);
  auto any = anyWeightsDesc(g);
  auto hint = forwardPd(p, any);
  if (kind == 0) {
    entry->prim = dnnl::convolution_forward(hint);
    entry->weights = hint.weights_desc();
  } else if (kind == 1) {
    auto pd = backwardDesc<dnnl::convolution_backward_data>(hint, anyImpl, dnnl::algorithm::convolution_direct,
                                                            p.src, any, p.dst, p.strides, p.dilations, p.padL, p.padR);
    entry->prim = dnnl::convolution_backward_data(pd);
    entry->weights = pd.weights_desc();
  } else {
    auto unsafe = [&](const char* impl) { return unsafeFilterGradient(impl, g); };
    auto pd = backwardDesc<dnnl::convolution_backward_weights>(hint, unsafe, dnnl::algorithm::convolution_direct,
                                                               p.src, any, p.dst, p.strides, p.dilations, p.padL,
                                                               p.padR);
    entry->prim = dnnl::convolution_backward_weights(pd);
    entry->weights = pd.diff_weights_desc();
  }
  entry->reorder = entry->weights != p.userWeights;
  if (entry->reorder) {
    entry->scratch.reset(new float[entry->weights.get_size() / sizeof(float) + 16]);
    if (kind == 2) {
      entry->toUser = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), entry->weights, cpuEngine(), p.userWeights));
    } else {
      entry->toPrim = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), p.userWeights, cpuEngine(), entry->weights));
    }
  }
  return *convCache.emplace(key, std::move(entry)).first->second;
}

napi_value Conv(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    const int kind = static_cast<int>(number(env, argv[0], "kind"));
    if (kind < 0 || kind > 2) throw JsError{"conv kind must be 0, 1 or 2; got " + std::to_string(kind)};
    const int32_t* raw = ints(env, argv[1], 22, "geometry");
    ConvGeometry g = convGeometry(raw);
    size_t la = 0, lb = 0, lo = 0;
    float* a = floats(env, argv[2], &la, "a");
    float* b = floats(env, argv[3], &lb, "b");
    float* out = floats(env, argv[4], &lo, "out");
    const int64_t xs = g.n * g.id * g.ih * g.iw * g.ic, ys = g.n * g.od * g.oh * g.ow * g.oc;
    const int64_t ws = g.kd * g.kh * g.kw * (g.ic / g.groups) * g.oc;
    const Crop crop = cropOf(g);
    const ConvGeometry& inner = crop.inner;
    ConvEntry* found = nullptr;
    try {
      found = &convEntry(kind, raw, inner);
    } catch (const dnnl::error& error) {
      std::string shape;
      for (int i = 0; i < 22; i++) shape += (i ? "," : "") + std::to_string(raw[i]);
      throw JsError{std::string(error.what()) + " for geometry [" + shape + "]"};
    }
    ConvEntry& e = *found;
    ConvPlan p = convPlan(inner);
    auto& engine = cpuEngine();
    auto& stream = cpuStream();
    if (kind == 0) checkLength(la, xs, "x"), checkLength(lb, ws, "filter"), checkLength(lo, ys, "y");
    if (kind == 1) checkLength(la, ys, "dy"), checkLength(lb, ws, "filter"), checkLength(lo, xs, "dx");
    if (kind == 2) checkLength(la, xs, "x"), checkLength(lb, ys, "dy"), checkLength(lo, ws, "dfilter");
    float* x = kind == 1 ? out : a;
    std::vector<float> dense;
    if (crop.active) {
      dense.resize(p.src.get_size() / sizeof(float));
      memory view(crop.view, engine, x + crop.offset), copy(p.src, engine, dense.data());
      if (kind != 1) dnnl::reorder(view, copy).execute(stream, view, copy);
      x = dense.data();
    }
    if (kind == 0) {
      memory user(p.userWeights, engine, b);
      memory weights = e.reorder ? memory(e.weights, engine, e.scratch.get()) : user;
      if (e.reorder) e.toPrim.execute(stream, user, weights);
      e.prim.execute(stream, {{DNNL_ARG_SRC, memory(p.src, engine, x)},
                              {DNNL_ARG_WEIGHTS, weights},
                              {DNNL_ARG_DST, memory(p.dst, engine, out)}});
    } else if (kind == 1) {
      memory user(p.userWeights, engine, b);
      memory weights = e.reorder ? memory(e.weights, engine, e.scratch.get()) : user;
      if (e.reorder) e.toPrim.execute(stream, user, weights);
      e.prim.execute(stream, {{DNNL_ARG_DIFF_DST, memory(p.dst, engine, a)},
                              {DNNL_ARG_WEIGHTS, weights},
                              {DNNL_ARG_DIFF_SRC, memory(p.src, engine, x)}});
      if (crop.active) {
        // The skipped planes, rows and columns get no gradient.
        std::fill(out, out + xs, 0.0f);
        memory copy(p.src, engine, dense.data()), view(crop.view, engine, out + crop.offset);
        dnnl::reorder(copy, view).execute(stream, copy, view);
      }
    } else {
      memory user(p.userWeights, engine, out);
      memory weights = e.reorder ? memory(e.weights, engine, e.scratch.get()) : user;
      e.prim.execute(stream, {{DNNL_ARG_SRC, memory(p.src, engine, x)},
                              {DNNL_ARG_DIFF_DST, memory(p.dst, engine, b)},
                              {DNNL_ARG_DIFF_WEIGHTS, weights}});
      if (e.reorder) e.toUser.execute(stream, weights, user);
    }
    stream.wait();
    return nullptr;
  });
}

// ------------------------------------------------------------- batch norm

// x viewed as [rows, channels] (channels-last of any rank). Plain loops in
// float64, the arithmetic of channel-norm.ts: oneDNN 2.6's batch norm sums in
// float32 and folds the mean into the shift, which costs ~3e-4 of y and dgamma
// when activations sit far from zero (an offset of 1e4), beyond the 1e-4 the
// layer is tested to.

napi_value NormForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 9);
    const int64_t rows = static_cast<int64_t>(number(env, argv[6], "rows"));
    const int64_t channels = static_cast<int64_t>(number(env, argv[7], "channels"));
    const double epsilon = number(env, argv[8], "epsilon");
    size_t l[6];
    const char* names[6] = {"x", "gamma", "beta", "y", "mean", "variance"};
    float* p[6];
    for (int i = 0; i < 6; i++) p[i] = floats(env, argv[i], &l[i], names[i]);
    for (int i = 0; i < 6; i++) checkLength(l[i], (i == 0 || i == 3) ? rows * channels : channels, names[i]);
    const float *x = p[0], *gamma = p[1], *beta = p[2];
    float *y = p[3], *mean = p[4], *variance = p[5];
    // Sums shifted by the first row, so a large offset does not cancel the variance away.
    std::vector<double> sum(channels, 0.0), squares(channels, 0.0), scale(channels), offset(channels);
    for (int64_t r = 0; r < rows; r++) {
      const float* line = x + r * channels;
      for (int64_t c = 0; c < channels; c++) {
        const double d = static_cast<double>(line[c]) - x[c];
        sum[c] += d;
        squares[c] += d * d;
      }
    }
    for (int64_t c = 0; c < channels; c++) {
      const double shifted = sum[c] / rows;
      const double m = x[c] + shifted;
      const double v = std::max(0.0, squares[c] / rows - shifted * shifted);
      mean[c] = static_cast<float>(m);
      variance[c] = static_cast<float>(v);
      scale[c] = gamma[c] / std::sqrt(v + epsilon);
      offset[c] = beta[c] - m * scale[c];
    }
    for (int64_t r = 0; r < rows; r++) {
      const float* in = x + r * channels;
      float* out = y + r * channels;
      for (int64_t c = 0; c < channels; c++) out[c] = static_cast<float>(in[c] * scale[c] + offset[c]);
    }
    return nullptr;
  });
}

// dbeta = Σdy, dgamma = Σdy·x̂, dx = gamma·invstd/rows·(rows·dy − dbeta − x̂·dgamma), x̂ = (x − mean)·invstd.
napi_value NormBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 11);
    const int64_t rows = static_cast<int64_t>(number(env, argv[8], "rows"));
    const int64_t channels = static_cast<int64_t>(number(env, argv[9], "channels"));
    const double epsilon = number(env, argv[10], "epsilon");
    size_t l[8];
    const char* names[8] = {"dy", "x", "mean", "variance", "gamma", "dx", "dgamma", "dbeta"};
    float* p[8];
    for (int i = 0; i < 8; i++) p[i] = floats(env, argv[i], &l[i], names[i]);
    for (int i = 0; i < 8; i++) checkLength(l[i], (i < 2 || i == 5) ? rows * channels : channels, names[i]);
    const float *dy = p[0], *x = p[1], *mean = p[2], *variance = p[3], *gamma = p[4];
    float *dx = p[5], *dgamma = p[6], *dbeta = p[7];
    std::vector<double> sumDy(channels, 0.0), sumDyCentered(channels, 0.0), sumCentered(channels, 0.0);
    for (int64_t r = 0; r < rows; r++) {
      const float *g = dy + r * channels, *in = x + r * channels;
      for (int64_t c = 0; c < channels; c++) {
        const double centered = static_cast<double>(in[c]) - mean[c];
        sumDy[c] += g[c];
        sumDyCentered[c] += g[c] * centered;
        sumCentered[c] += centered;
      }
    }
    // dx = a·dy + b·x + d per channel; Σ(x − mean) recovers the float64 mean the float32 one rounds.
    std::vector<double> a(channels), b(channels), d(channels);
    for (int64_t c = 0; c < channels; c++) {
      const double is = 1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon);
      const double meanError = sumCentered[c] / rows;
      const double exactMean = mean[c] + meanError;
      const double dg = (sumDyCentered[c] - meanError * sumDy[c]) * is;
      dbeta[c] = static_cast<float>(sumDy[c]);
      dgamma[c] = static_cast<float>(dg);
      a[c] = gamma[c] * is;
      b[c] = -a[c] * is * dg / rows;
      d[c] = -a[c] * sumDy[c] / rows - b[c] * exactMean;
    }
    for (int64_t r = 0; r < rows; r++) {
      const float *g = dy + r * channels, *in = x + r * channels;
      float* out = dx + r * channels;
      for (int64_t c = 0; c < channels; c++) out[c] = static_cast<float>(a[c] * g[c] + b[c] * in[c] + d[c]);
    }
    return nullptr;
  });
}

// ---------------------------------------------------------------- pooling

struct PoolGeometry {
  int64_t n, id, ih, iw, c, od, oh, ow, kd, kh, kw, sd, sh, sw, pf, pt, pl, dims;
};

struct PoolEntry {
  dnnl::pooling_forward::primitive_desc fwdPd;
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward bwd;
  memory::desc src, dst;
  std::unique_ptr<uint8_t[]> workspace;
};

std::unordered_map<std::string, std::unique_ptr<PoolEntry>> poolCache;

// 3.x's pooling takes dilations (0: none) after the kernel, which 2.x's has not.
void poolingPds(PoolEntry& e, dnnl::algorithm alg, const memory::dims& strides, const memory::dims& kernel,
                const memory::dims& padL, const memory::dims& padR) {
#if DNNL_VERSION_MAJOR >= 3
  const memory::dims none(kernel.size(), 0);
  e.fwdPd = primitiveDesc<dnnl::pooling_forward>(dnnl::prop_kind::forward_training, alg, e.src, e.dst, strides,
                                                 kernel, none, padL, padR);
  auto bwdPd =
      backwardDesc<dnnl::pooling_backward>(e.fwdPd, anyImpl, alg, e.src, e.dst, strides, kernel, none, padL, padR);
#else
  e.fwdPd = primitiveDesc<dnnl::pooling_forward>(dnnl::prop_kind::forward_training, alg, e.src, e.dst, strides,
                                                 kernel, padL, padR);
  auto bwdPd = backwardDesc<dnnl::pooling_backward>(e.fwdPd, anyImpl, alg, e.src, e.dst, strides, kernel, padL, padR);
#endif
  e.fwd = dnnl::pooling_forward(e.fwdPd);
  e.bwd = dnnl::pooling_backward(bwdPd);
}

PoolEntry& poolEntry(bool max, const int32_t* raw) {
  std::string key(reinterpret_cast<const char*>(raw), 18 * sizeof(int32_t));
  key.push_back(max ? 'm' : 'a');
  auto found = poolCache.find(key);
  if (found != poolCache.end()) return *found->second;
  PoolGeometry g{raw[0],  raw[1],  raw[2],  raw[3],  raw[4],  raw[5],  raw[6],  raw[7],  raw[8],
                 raw[9],  raw[10], raw[11], raw[12], raw[13], raw[14], raw[15], raw[16], raw[17]};
  auto entry = std::make_unique<PoolEntry>();
  memory::dims kernel, strides, padL, padR;
  if (g.dims == 3) {
    entry->src = memory::desc({g.n, g.c, g.id, g.ih, g.iw}, dt::f32, tag::ndhwc);
    entry->dst = memory::desc({g.n, g.c, g.od, g.oh, g.ow}, dt::f32, tag::ndhwc);
    kernel = {g.kd, g.kh, g.kw};
    strides = {g.sd, g.sh, g.sw};
    padL = {g.pf, g.pt, g.pl};
    padR = {padAfter(g.id, g.od, g.kd, g.sd, 1, g.pf), padAfter(g.ih, g.oh, g.kh, g.sh, 1, g.pt),
            padAfter(g.iw, g.ow, g.kw, g.sw, 1, g.pl)};
  } else {
    entry->src = memory::desc({g.n, g.c, g.ih, g.iw}, dt::f32, tag::nhwc);
    entry->dst = memory::desc({g.n, g.c, g.oh, g.ow}, dt::f32, tag::nhwc);
    kernel = {g.kh, g.kw};
    strides = {g.sh, g.sw};
    padL = {g.pt, g.pl};
    padR = {padAfter(g.ih, g.oh, g.kh, g.sh, 1, g.pt), padAfter(g.iw, g.ow, g.kw, g.sw, 1, g.pl)};
  }
  // TensorFlow.js averages over the window's cells inside the input only.
  auto alg = max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
  poolingPds(*entry, alg, strides, kernel, padL, padR);
  if (max) entry->workspace.reset(new uint8_t[entry->fwdPd.workspace_desc().get_size() + 64]);
  return *poolCache.emplace(key, std::move(entry)).first->second;
}

napi_value Pool(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    const int kind = static_cast<int>(number(env, argv[0], "kind"));
    if (kind < 0 || kind > 3) throw JsError{"pool kind must be 0..3; got " + std::to_string(kind)};
    const int32_t* raw = ints(env, argv[1], 18, "geometry");
    const bool max = kind == 0 || kind == 2;
    PoolEntry& e = poolEntry(max, raw);
    size_t la = 0, lb = 0, lo = 0;
    float* a = floats(env, argv[2], &la, "a");
    float* b = floats(env, argv[3], &lb, "b");
    float* out = floats(env, argv[4], &lo, "out");
    const int64_t xs = e.src.get_size() / sizeof(float), ys = e.dst.get_size() / sizeof(float);
    auto& engine = cpuEngine();
    auto& stream = cpuStream();
    memory workspace = max ? memory(e.fwdPd.workspace_desc(), engine, e.workspace.get()) : memory();
    if (kind < 2) {
      checkLength(la, xs, "x"), checkLength(lo, ys, "y");
      std::unordered_map<int, memory> margs{{DNNL_ARG_SRC, memory(e.src, engine, a)},
                                            {DNNL_ARG_DST, memory(e.dst, engine, out)}};
      if (max) margs[DNNL_ARG_WORKSPACE] = workspace;
      e.fwd.execute(stream, margs);
    } else {
      checkLength(lb, ys, "dy"), checkLength(lo, xs, "dx");
      if (max) {
        // TensorFlow.js's gradient gets x, not the forward's argmax: recompute it into the workspace.
        checkLength(la, xs, "x");
        std::vector<float> y(ys);
        e.fwd.execute(stream, {{DNNL_ARG_SRC, memory(e.src, engine, a)},
                               {DNNL_ARG_DST, memory(e.dst, engine, y.data())},
                               {DNNL_ARG_WORKSPACE, workspace}});
      }
      std::unordered_map<int, memory> margs{{DNNL_ARG_DIFF_DST, memory(e.dst, engine, b)},
                                            {DNNL_ARG_DIFF_SRC, memory(e.src, engine, out)}};
      if (max) margs[DNNL_ARG_WORKSPACE] = workspace;
      e.bwd.execute(stream, margs);
    }
    stream.wait();
    return nullptr;
  });
}

// ------------------------------------------------------ max pooling, direct
//
// TensorFlow.js hands MaxPoolGrad the forward's output y as well as x, so the
// cell each window took is the first one equal to y: no argmax workspace, and
// no second forward pass as oneDNN's gradient needs (it was a quarter of a
// 112×112 frame model's training step). Both loops run the channels innermost,
// where the data is contiguous, so they vectorise; NaN propagates as in y.

struct MaxPoolPlan {
  PoolGeometry g;
  int64_t xs, ys;  // floats in x and in y
};

MaxPoolPlan maxPoolPlan(const int32_t* raw) {
  PoolGeometry g{raw[0],  raw[1],  raw[2],  raw[3],  raw[4],  raw[5],  raw[6],  raw[7],  raw[8],
                 raw[9],  raw[10], raw[11], raw[12], raw[13], raw[14], raw[15], raw[16], raw[17]};
  return {g, g.n * g.id * g.ih * g.iw * g.c, g.n * g.od * g.oh * g.ow * g.c};
}

// The window of output row (od, oh) and column ow, clipped to the input.
struct Window {
  int64_t d0, d1, h0, h1, w0, w1;
};

Window windowOf(const PoolGeometry& g, int64_t od, int64_t oh, int64_t ow) {
  const int64_t d = od * g.sd - g.pf, h = oh * g.sh - g.pt, w = ow * g.sw - g.pl;
  return {std::max<int64_t>(d, 0), std::min(d + g.kd, g.id), std::max<int64_t>(h, 0),
          std::min(h + g.kh, g.ih), std::max<int64_t>(w, 0), std::min(w + g.kw, g.iw)};
}

void maxPoolForward(const PoolGeometry& g, const float* x, float* y) {
  const int64_t rows = g.n * g.od * g.oh, c = g.c;
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < rows; row++) {
    const int64_t n = row / (g.od * g.oh), od = row / g.oh % g.od, oh = row % g.oh;
    for (int64_t ow = 0; ow < g.ow; ow++) {
      float* out = y + (row * g.ow + ow) * c;
      std::fill(out, out + c, -std::numeric_limits<float>::infinity());
      const Window win = windowOf(g, od, oh, ow);
      for (int64_t d = win.d0; d < win.d1; d++)
        for (int64_t h = win.h0; h < win.h1; h++)
          for (int64_t w = win.w0; w < win.w1; w++) {
            const float* in = x + (((n * g.id + d) * g.ih + h) * g.iw + w) * c;
            for (int64_t k = 0; k < c; k++) out[k] = (in[k] > out[k] || in[k] != in[k]) ? in[k] : out[k];
          }
    }
  }
}

// Windows that do not overlap write their cells' gradients directly (rows in
// parallel); overlapping ones add into a zeroed dx, one batch item a thread.
// Where the windows do not cover every cell (a stride past the window, an odd
// edge left over), dx is zeroed first.
void maxPoolBackward(const PoolGeometry& g, const float* x, const float* y, const float* dy, float* dx) {
  const int64_t c = g.c, perItem = g.id * g.ih * g.iw * c;
  const bool disjoint = g.kd <= g.sd && g.kh <= g.sh && g.kw <= g.sw;
  const bool tiles = disjoint && g.kd == g.sd && g.kh == g.sh && g.kw == g.sw && g.pf == 0 && g.pt == 0 &&
                     g.pl == 0 && g.od * g.sd == g.id && g.oh * g.sh == g.ih && g.ow * g.sw == g.iw;
  const int64_t rows = disjoint ? g.n * g.od * g.oh : g.n, rowsPerItem = disjoint ? g.od * g.oh : 1;
  if (!tiles) {
#pragma omp parallel for schedule(static)
    for (int64_t n = 0; n < g.n; n++) std::memset(dx + n * perItem, 0, perItem * sizeof(float));
  }
#pragma omp parallel
  {
    std::vector<int32_t> open(c);  // 1 while channel k's window has not found its cell
#pragma omp for schedule(static)
    for (int64_t row = 0; row < rows; row++) {
      const int64_t n = row / rowsPerItem, first = disjoint ? row % rowsPerItem : 0;
      const int64_t last = disjoint ? first + 1 : g.od * g.oh;
      for (int64_t r = first; r < last; r++) {
        const int64_t od = r / g.oh, oh = r % g.oh;
        for (int64_t ow = 0; ow < g.ow; ow++) {
          const int64_t at = (((n * g.od + od) * g.oh + oh) * g.ow + ow) * c;
          const float *__restrict__ want = y + at, *__restrict__ grad = dy + at;
          int32_t* __restrict__ o = open.data();
          for (int64_t k = 0; k < c; k++) o[k] = 1;
          const Window win = windowOf(g, od, oh, ow);
          for (int64_t d = win.d0; d < win.d1; d++)
            for (int64_t h = win.h0; h < win.h1; h++)
              for (int64_t w = win.w0; w < win.w1; w++) {
                const int64_t cell = (((n * g.id + d) * g.ih + h) * g.iw + w) * c;
                const float* __restrict__ in = x + cell;
                float* __restrict__ out = dx + cell;
                if (disjoint) {
                  for (int64_t k = 0; k < c; k++) {
                    const float v = in[k], m = want[k], gk = grad[k];
                    const int32_t hit = o[k] & static_cast<int32_t>((v == m) | ((v != v) & (m != m)));
                    out[k] = hit ? gk : 0.0f;
                    o[k] &= ~hit;
                  }
                } else {
                  for (int64_t k = 0; k < c; k++) {
                    const float v = in[k], m = want[k], gk = grad[k];
                    const int32_t hit = o[k] & static_cast<int32_t>((v == m) | ((v != v) & (m != m)));
                    out[k] += hit ? gk : 0.0f;
                    o[k] &= ~hit;
                  }
                }
              }
        }
      }
    }
  }
}

napi_value MaxPool(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 3);
    const MaxPoolPlan p = maxPoolPlan(ints(env, argv[0], 18, "geometry"));
    size_t lx = 0, ly = 0;
    const float* x = floats(env, argv[1], &lx, "x");
    float* y = floats(env, argv[2], &ly, "y");
    checkLength(lx, p.xs, "x"), checkLength(ly, p.ys, "y");
    maxPoolForward(p.g, x, y);
    return nullptr;
  });
}

napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    const MaxPoolPlan p = maxPoolPlan(ints(env, argv[0], 18, "geometry"));
    size_t lx = 0, ly = 0, ldy = 0, ldx = 0;
    const float* x = floats(env, argv[1], &lx, "x");
    const float* y = floats(env, argv[2], &ly, "y");
    const float* dy = floats(env, argv[3], &ldy, "dy");
    float* dx = floats(env, argv[4], &ldx, "dx");
    checkLength(lx, p.xs, "x"), checkLength(ly, p.ys, "y"), checkLength(ldy, p.ys, "dy"), checkLength(ldx, p.xs, "dx");
    maxPoolBackward(p.g, x, y, dy, dx);
    return nullptr;
  });
}

// ------------------------------------------- matmul, row reductions, bias add

// One cached primitive per shape key; every argument is plain row-major f32.
std::unordered_map<std::string, dnnl::primitive> miscCache;

template <typename Make>
dnnl::primitive& cached(const std::string& key, Make make) {
  auto found = miscCache.find(key);
  if (found != miscCache.end()) return found->second;
  return miscCache.emplace(key, make()).first->second;
}

// a [batchA,M,K] (or [batchA,K,M] when transposed) times b [batchB,K,N] (or
// [batchB,N,K]) into out [max(batchA,batchB),M,N]; a batch of 1 broadcasts.
napi_value MatMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 10);
    size_t la = 0, lb = 0, lo = 0;
    float* a = floats(env, argv[0], &la, "a");
    float* b = floats(env, argv[1], &lb, "b");
    float* out = floats(env, argv[2], &lo, "out");
    int64_t v[7];
    const char* names[7] = {"batchA", "batchB", "m", "k", "n", "transposeA", "transposeB"};
    for (int i = 0; i < 7; i++) v[i] = static_cast<int64_t>(number(env, argv[3 + i], names[i]));
    const int64_t ba = v[0], bb = v[1], m = v[2], k = v[3], n = v[4];
    const bool ta = v[5] != 0, tb = v[6] != 0;
    const int64_t bo = ba > bb ? ba : bb;
    checkLength(la, ba * m * k, "a"), checkLength(lb, bb * k * n, "b"), checkLength(lo, bo * m * n, "out");
    memory::desc ad({ba, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    memory::desc bd({bb, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    memory::desc od({bo, m, n}, dt::f32, memory::dims{m * n, n, 1});
    std::string key = "mm" + std::to_string(ba) + "," + std::to_string(bb) + "," + std::to_string(m) + "," +
                      std::to_string(k) + "," + std::to_string(n) + (ta ? "t" : "n") + (tb ? "t" : "n");
    auto& prim = cached(key, [&]() {
      return dnnl::primitive(dnnl::matmul(primitiveDesc<dnnl::matmul>(ad, bd, od)));
    });
    auto& engine = cpuEngine();
    prim.execute(cpuStream(), {{DNNL_ARG_SRC, memory(ad, engine, a)},
                               {DNNL_ARG_WEIGHTS, memory(bd, engine, b)},
                               {DNNL_ARG_DST, memory(od, engine, out)}});
    cpuStream().wait();
    return nullptr;
  });
}

// x [rows, cols] summed (mean: averaged) over its rows into out [cols].
napi_value ReduceRows(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    size_t lx = 0, lo = 0;
    float* x = floats(env, argv[0], &lx, "x");
    float* out = floats(env, argv[1], &lo, "out");
    const int64_t rows = static_cast<int64_t>(number(env, argv[2], "rows"));
    const int64_t cols = static_cast<int64_t>(number(env, argv[3], "cols"));
    const bool mean = number(env, argv[4], "mean") != 0;
    checkLength(lx, rows * cols, "x"), checkLength(lo, cols, "out");
    // A plain loop: oneDNN 2.6 runs this shape of reduction on its slow reference code.
    // Float partial sums over blocks of 64 rows, added up in double.
    std::vector<double> total(cols, 0.0);
    std::vector<float> part(cols);
    for (int64_t r0 = 0; r0 < rows; r0 += 64) {
      std::fill(part.begin(), part.end(), 0.0f);
      const int64_t r1 = r0 + 64 < rows ? r0 + 64 : rows;
      for (int64_t r = r0; r < r1; r++) {
        const float* line = x + r * cols;
        for (int64_t c = 0; c < cols; c++) part[c] += line[c];
      }
      for (int64_t c = 0; c < cols; c++) total[c] += part[c];
    }
    for (int64_t c = 0; c < cols; c++) out[c] = static_cast<float>(mean ? total[c] / rows : total[c]);
    return nullptr;
  });
}

// out [rows, cols] = x [rows, cols] + row [cols] (a bias added to every row).
napi_value AddRow(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 5);
    size_t lx = 0, lr = 0, lo = 0;
    float* x = floats(env, argv[0], &lx, "x");
    float* row = floats(env, argv[1], &lr, "row");
    float* out = floats(env, argv[2], &lo, "out");
    const int64_t rows = static_cast<int64_t>(number(env, argv[3], "rows"));
    const int64_t cols = static_cast<int64_t>(number(env, argv[4], "cols"));
    checkLength(lx, rows * cols, "x"), checkLength(lr, cols, "row"), checkLength(lo, rows * cols, "out");
    memory::desc xd({rows, cols}, dt::f32, tag::ab), rd({1, cols}, dt::f32, tag::ab);
    std::string key = "addrow" + std::to_string(rows) + "x" + std::to_string(cols);
    auto& prim = cached(key, [&]() {
      return dnnl::primitive(dnnl::binary(primitiveDesc<dnnl::binary>(dnnl::algorithm::binary_add, xd, rd, xd)));
    });
    auto& engine = cpuEngine();
    prim.execute(cpuStream(), {{DNNL_ARG_SRC_0, memory(xd, engine, x)},
                               {DNNL_ARG_SRC_1, memory(rd, engine, row)},
                               {DNNL_ARG_DST, memory(xd, engine, out)}});
    cpuStream().wait();
    return nullptr;
  });
}

// The oneDNN implementation a convolution of this kind and geometry runs on
// (e.g. "jit:avx2"): tests check that known-bad ones are avoided.
napi_value ConvImplementation(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 2);
    const int kind = static_cast<int>(number(env, argv[0], "kind"));
    if (kind < 0 || kind > 2) throw JsError{"conv kind must be 0, 1 or 2; got " + std::to_string(kind)};
    const int32_t* raw = ints(env, argv[1], 22, "geometry");
    const ConvEntry& e = convEntry(kind, raw, cropOf(convGeometry(raw)).inner);
    const char* impl = nullptr;
    if (dnnl_primitive_desc_query(e.prim.get_primitive_desc(), dnnl_query_impl_info_str, 0, &impl) != dnnl_success) {
      throw JsError{"oneDNN did not name the convolution's implementation"};
    }
    napi_value out;
    NAPI_CALL(napi_create_string_utf8, env, impl, NAPI_AUTO_LENGTH, &out);
    return out;
  });
}

napi_value Version(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    const dnnl_version_t* v = dnnl_version();
    std::string text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
    napi_value out;
    NAPI_CALL(napi_create_string_utf8, env, text.c_str(), text.size(), &out);
    return out;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"convImplementation", nullptr, ConvImplementation, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"normForward", nullptr, NormForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"normBackward", nullptr, NormBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pool", nullptr, Pool, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"reduceRows", nullptr, ReduceRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"addRow", nullptr, AddRow, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  // Thrown from here, the failure reaches require() and so the loader's reason.
  return guarded(env, [&]() -> napi_value {
    NAPI_CALL(napi_define_properties, env, exports, sizeof(props) / sizeof(props[0]), props);
    return exports;
  });
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
