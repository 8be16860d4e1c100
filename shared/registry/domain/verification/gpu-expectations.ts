import { gpuModelMatches } from '../gpu-model.ts';

/**
 * Datasheet peaks per canonical GPU model, kept as data: dense TF32 tensor throughput (the
 * precision of the GEMM challenge; datasheets print the 2:4-sparse figure, twice the dense
 * one, which is what is listed here) and memory bandwidth. Models without TF32 tensor cores
 * (Volta, Turing) list their FP32 peak, which is what a TF32 matmul runs at there. The first
 * entry whose `model` matches (gpu-model.ts's word-prefix rule) wins, so specific names
 * precede general ones. Each row names its source.
 */
export interface GpuExpectation {
  readonly model: string;
  readonly tf32Tflops: number;
  readonly bandwidthGBs: number;
  readonly source: string;
}

export const GPU_EXPECTATIONS: readonly GpuExpectation[] = [
  { model: 'H200', tf32Tflops: 494.5, bandwidthGBs: 4800, source: 'https://www.nvidia.com/en-us/data-center/h200/ (TF32 989 TFLOPS with sparsity; 4.8 TB/s)' },
  { model: 'H100 PCIe', tf32Tflops: 378, bandwidthGBs: 2000, source: 'https://www.nvidia.com/en-us/data-center/h100/ (H100 PCIe: TF32 756 TFLOPS with sparsity; 2 TB/s)' },
  { model: 'H100 NVL', tf32Tflops: 417.5, bandwidthGBs: 3900, source: 'https://www.nvidia.com/en-us/data-center/h100/ (H100 NVL: TF32 835 TFLOPS with sparsity; 3.9 TB/s)' },
  { model: 'H100', tf32Tflops: 494.5, bandwidthGBs: 3350, source: 'https://www.nvidia.com/en-us/data-center/h100/ (H100 SXM: TF32 989 TFLOPS with sparsity; 3.35 TB/s)' },
  { model: 'A100 80GB PCIe', tf32Tflops: 156, bandwidthGBs: 1935, source: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf (TF32 156 TFLOPS; 1,935 GB/s)' },
  { model: 'A100-PCIE-40GB', tf32Tflops: 156, bandwidthGBs: 1555, source: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf (TF32 156 TFLOPS; 1,555 GB/s)' },
  { model: 'A100-SXM4-40GB', tf32Tflops: 156, bandwidthGBs: 1555, source: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf (TF32 156 TFLOPS; 1,555 GB/s)' },
  { model: 'A100', tf32Tflops: 156, bandwidthGBs: 2039, source: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf (A100 80GB SXM: TF32 156 TFLOPS; 2,039 GB/s)' },
  { model: 'L40S', tf32Tflops: 183, bandwidthGBs: 864, source: 'https://www.nvidia.com/en-us/data-center/l40s/ (TF32 366 TFLOPS with sparsity; 864 GB/s)' },
  { model: 'L40', tf32Tflops: 90.5, bandwidthGBs: 864, source: 'https://www.nvidia.com/en-us/data-center/l40/ (TF32 181 TFLOPS with sparsity; 864 GB/s)' },
  { model: 'L4', tf32Tflops: 60, bandwidthGBs: 300, source: 'https://www.nvidia.com/en-us/data-center/l4/ (TF32 120 TFLOPS with sparsity; 300 GB/s)' },
  { model: 'A10G', tf32Tflops: 35, bandwidthGBs: 600, source: 'https://d1.awsstatic.com/product-marketing/ec2/NVIDIA_AWS_A10G_DataSheet_FINAL_02_17_2022.pdf (TF32 70 TFLOPS with sparsity; 600 GB/s)' },
  { model: 'A10', tf32Tflops: 62.5, bandwidthGBs: 600, source: 'https://www.nvidia.com/en-us/data-center/products/a10-gpu/ (TF32 125 TFLOPS with sparsity; 600 GB/s)' },
  { model: 'RTX 6000 Ada Generation', tf32Tflops: 91.1, bandwidthGBs: 960, source: 'https://www.nvidia.com/en-us/design-visualization/rtx-6000/ (TF32 182.1 TFLOPS with sparsity; 960 GB/s)' },
  { model: 'RTX A6000', tf32Tflops: 77.4, bandwidthGBs: 768, source: 'https://www.nvidia.com/content/dam/en-zz/Solutions/design-visualization/quadro-product-literature/proviz-print-nvidia-rtx-a6000-datasheet-us-nvidia-1454980-r9-web.pdf (TF32 154.8 TFLOPS with sparsity; 768 GB/s)' },
  { model: 'RTX 5090', tf32Tflops: 104.8, bandwidthGBs: 1792, source: 'https://images.nvidia.com/aem-dam/Solutions/geforce/blackwell/nvidia-rtx-blackwell-gpu-architecture.pdf (RTX 5090: TF32 209.5 TFLOPS with sparsity; 1,792 GB/s)' },
  { model: 'RTX 4090', tf32Tflops: 82.6, bandwidthGBs: 1008, source: 'https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf (RTX 4090: TF32 tensor 82.6 TFLOPS dense; 1,008 GB/s)' },
  { model: 'RTX 4080', tf32Tflops: 48.7, bandwidthGBs: 716.8, source: 'https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf (RTX 4080: TF32 tensor 48.7 TFLOPS dense; 716.8 GB/s)' },
  { model: 'RTX 3090', tf32Tflops: 35.6, bandwidthGBs: 936, source: 'https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-whitepaper-v2.pdf (RTX 3090: TF32 tensor 35.6 TFLOPS dense; 936 GB/s)' },
  { model: 'RTX 3080', tf32Tflops: 29.8, bandwidthGBs: 760, source: 'https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-whitepaper-v2.pdf (RTX 3080: TF32 tensor 29.8 TFLOPS dense; 760 GB/s)' },
  { model: 'V100', tf32Tflops: 15.7, bandwidthGBs: 900, source: 'https://www.nvidia.com/en-us/data-center/v100/ (no TF32: FP32 15.7 TFLOPS; 900 GB/s, SXM2)' },
  { model: 'T4', tf32Tflops: 8.1, bandwidthGBs: 320, source: 'https://www.nvidia.com/en-us/data-center/tesla-t4/ (no TF32: FP32 8.1 TFLOPS; 320 GB/s)' },
];

/**
 * The accepted band around a datasheet peak: a GEMM of this size reaches 50-80% of peak and a
 * copy 70-90% of the bandwidth on a healthy card; below 35% is a slower card or a throttled
 * one, above 110% is not this card at all.
 */
export const RANGE_LOW = 0.35;
export const RANGE_HIGH = 1.1;
/** What a healthy card is assumed to reach, for sizing the work and the simulated verifier's default speed. */
export const TYPICAL_SHARE = 0.7;

/** A model with no row: deadlines assume this slow a card, and no range is enforced. */
export const UNKNOWN_MODEL_FLOOR = { tf32Tflops: 5, bandwidthGBs: 100 } as const;

export const expectationFor = (model: string): GpuExpectation | undefined => GPU_EXPECTATIONS.find((row) => gpuModelMatches(row.model, model));

export interface Range {
  readonly low: number;
  readonly high: number;
}

export const rangesFor = (model: string): { readonly tflops: Range; readonly bandwidthGBs: Range } | undefined => {
  const row = expectationFor(model);
  return row
    ? {
        tflops: { low: row.tf32Tflops * RANGE_LOW, high: row.tf32Tflops * RANGE_HIGH },
        bandwidthGBs: { low: row.bandwidthGBs * RANGE_LOW, high: row.bandwidthGBs * RANGE_HIGH },
      }
    : undefined;
};

/** The DLPerf-like figure shown per GPU: the geometric mean of TF32 TFLOPS and GB/s, over 10, to one decimal. */
export const scoreOf = (tflops: number, bandwidthGBs: number): number => Math.round(Math.sqrt(Math.max(0, tflops) * Math.max(0, bandwidthGBs))) / 10;
