// bfedge train tinyvit: trains TinyViT on CIFAR-10 or Fashion-MNIST with libtorch (the optional
// component in libbfedge_torch.so) and exports it in timm's layout.
#include <memory>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"
#include "torch_component.hpp"

namespace bfedge::cli {
namespace {

struct TinyVitTrainCli {
  TinyVitTrainCli() { run.threads = 1; }
  std::string dataset = "cifar10", architecture = "tiny_vit_5m_224", data, out;
  float learning_rate = 1e-3f, warmup = 0.05f, weight_decay = 0.05f, max_minutes = 0, checkpoint_minutes = 10;
  DistillationOptions distill;
  bool no_augment = false;
  train::TinyVitTrainOptions run;
};

int run_train_tinyvit(TinyVitTrainCli& o) {
  train::TinyVitTrainOptions& r = o.run;
  if (Status s = check_file_name("--out", o.out); !s.is_ok()) return report_error(s);
  auto dataset = models::parse_image_dataset_name(o.dataset);
  if (!dataset.is_ok()) return report_error(dataset.status().message(), kExitUsageError);
  auto config = models::tinyvit_config_for_dataset(o.architecture, dataset.value());
  if (!config.is_ok()) return report_error("--architecture: " + config.status().message(), kExitUsageError);
  r.dataset = dataset.value();
  r.config = config.value();
  r.data_path = o.data;
  r.out_dir = o.out;
  r.learning_rate = o.learning_rate;
  r.warmup_ratio = o.warmup;
  r.weight_decay = o.weight_decay;
  r.max_minutes = o.max_minutes;
  r.checkpoint_minutes = o.checkpoint_minutes;
  r.augment = !o.no_augment;
  r.init_from = o.distill.init_from;
  r.teacher_dir = o.distill.teacher;
  r.distill_weight = o.distill.weight;
  r.distill_temperature = o.distill.temperature;
  const Status status = torch_component::train_tinyvit(r);
  if (!status.is_ok()) return report_error(status);
  std::fprintf(stderr, "bfedge: trained model in %s (config.json, model.safetensors); log %s/train.jsonl\n", o.out.c_str(),
               o.out.c_str());
  return 0;
}

}  // namespace

std::function<int()> add_train_tinyvit_command(CLI::App& train) {
  auto* app = train.add_subcommand("tinyvit", "Train TinyViT on CIFAR-10 or Fashion-MNIST (from scratch, or from a folder with a teacher to distill); export it in timm's layout");
  auto o = std::make_shared<TinyVitTrainCli>();
  train::TinyVitTrainOptions& r = o->run;
  app->add_option("--dataset", o->dataset, "cifar10 (../shared/data/cifar10-jpg) or fashion-mnist (Debian's "
                                           "dataset-fashion-mnist)")->capture_default_str();
  app->add_option("--architecture", o->architecture,
                  "timm's variant, or a config.json (FILE.json: a variant and its model_args), adapted to the "
                  "images (docs/tinyvit.md)")
      ->capture_default_str();
  app->add_option("--data", o->data, "the dataset's folder (default: ../shared/data/cifar10-jpg or "
                                     "/usr/share/datasets/fashion-mnist)");
  app->add_option("--out", o->out, "output folder: config.json, model.safetensors, train.jsonl, checkpoint/")->required();
  add_integer_option(*app, "--epochs", r.epochs, 1, 10000, "passes over the training images")->default_str("30");
  add_integer_option(*app, "--batch", r.batch_size, 1, 4096, "images per step")->default_str("64");
  add_real_option(*app, "--lr", o->learning_rate, 1e-9, 1.0, "peak learning rate (AdamW)", "(0, 1]")->default_str("1e-3");
  add_real_option(*app, "--warmup", o->warmup, 0.0, 1.0, "fraction of steps warming up linearly", "0..1")->default_str("0.05");
  add_real_option(*app, "--weight-decay", o->weight_decay, 0.0, 1.0,
                  "AdamW weight decay (not on biases, norms and attention biases)", "0..1")->default_str("0.05");
  app->add_flag("--no-augment", o->no_augment, "no random crop and flip");
  add_integer_option<std::uint64_t>(*app, "--seed", r.seed, 0, UINT64_MAX, "weights, order and augmentation seed")
      ->default_str("42");
  add_integer_option(*app, "--threads", r.threads, 0, kMaxThreads,
                     "libtorch threads (0: every core; more than 1 helps only on an otherwise idle machine)")
      ->default_str("1");
  add_integer_option(*app, "--log-every", r.log_every, 1, 1000000, "steps per train.jsonl record")->default_str("50");
  add_integer_option(*app, "--limit", r.limit_train, 0, 100000000, "use N training images spread over the split (0: all)");
  add_integer_option(*app, "--limit-test", r.limit_test, 0, 100000000, "evaluate N test images spread over the split (0: all)");
  add_real_option(*app, "--max-minutes", o->max_minutes, 0.0, 1e6, "stop with a checkpoint after this long (0: no limit)",
                  ">= 0");
  add_real_option(*app, "--checkpoint-minutes", o->checkpoint_minutes, 0.0, 1e6, "minutes between checkpoints", ">= 0")
      ->default_str("10");
  add_integer_option<long>(*app, "--stop-after", r.stop_after_steps, 0, 1000000000,
                           "stop with a checkpoint after N steps of this run (0: no limit)");
  app->add_flag("--resume", r.resume, "continue from OUT/checkpoint with the same settings");
  add_distillation_options(*app, "TinyViT", o->distill);
  return [o] { return run_train_tinyvit(*o); };
}

}  // namespace bfedge::cli
