using System;
using System.Collections.Generic;
using System.Globalization;
using VisionPS.Core.Caching;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Asking
{
    /// <summary>The question asked about images, and how they are prepared for it.</summary>
    public sealed class AskQuestion
    {
        /// <summary>Chat Completions or Responses.</summary>
        public VisionApi Api { get; set; } = VisionApi.Chat;

        /// <summary>The model.</summary>
        public string Model { get; set; } = "gpt-4.1-mini";

        /// <summary>The question.</summary>
        public string Prompt { get; set; } = string.Empty;

        /// <summary>A system prompt (Chat) or instructions (Responses).</summary>
        public string? SystemPrompt { get; set; }

        /// <summary>The answer's token limit.</summary>
        public int? MaxTokens { get; set; }

        /// <summary>Sampling temperature.</summary>
        public double? Temperature { get; set; }

        /// <summary>Structured output.</summary>
        public VisionJsonSchema? JsonSchema { get; set; }

        /// <summary>A Responses conversation this continues (never cached).</summary>
        public string? ConversationId { get; set; }

        /// <summary>The detail every image is sent with.</summary>
        public ImageDetail Detail { get; set; } = ImageDetail.Auto;

        /// <summary>How local images are prepared.</summary>
        public PrepareOptions Prepare { get; set; } = new PrepareOptions();

        /// <summary>The request for these images (in order).</summary>
        public VisionRequest NewRequest(IEnumerable<VisionImageInput> images)
        {
            var request = new VisionRequest
            {
                Model = Model,
                Prompt = Prompt,
                SystemPrompt = SystemPrompt,
                MaxTokens = MaxTokens,
                Temperature = Temperature,
                JsonSchema = JsonSchema,
                ConversationId = ConversationId,
            };
            foreach (VisionImageInput image in images)
            {
                request.Images.Add(image);
            }
            return request;
        }

        /// <summary>
        /// The answer cache's key for this question about images with these SHA-256s (as sent) at this endpoint.
        /// Live requests and batch answers share it, so an answer paid for once is never paid for again.
        /// </summary>
        public string AnswerKey(Uri endpoint, IEnumerable<string> imageHashes)
        {
            var key = new ResultCacheKey()
                .Add("endpoint", endpoint.AbsoluteUri)
                .Add("api", Api.ToString())
                .Add("model", Model)
                .Add("prompt", Prompt)
                .Add("system", SystemPrompt)
                .Add("maxTokens", MaxTokens?.ToString(CultureInfo.InvariantCulture))
                .Add("temperature", Temperature?.ToString("R", CultureInfo.InvariantCulture))
                .Add("schema", JsonSchema is null ? null : JsonSchema.Name + ":" + JsonSchema.SchemaJson)
                .Add("detail", Detail.ToString());
            foreach (string image in imageHashes)
            {
                key.Add("image", image);
            }
            return key.Compute();
        }

        /// <summary>
        /// The key of the source index: a source file's SHA-256 plus every preparation option gives the prepared
        /// image's SHA-256, so a cached answer is found without decoding the image again.
        /// </summary>
        internal string PreparedKey(string sourceSha256)
        {
            PrepareOptions o = Prepare;
            return new ResultCacheKey()
                .Add("kind", "prepared-image")
                .Add("source", sourceSha256)
                .Add("model", o.Model)
                // The model's sizing rules as in effect now: a models.json that changes them (VISIONPS_MODELS, re-read when
                // it changes) changes the image to send, and the answer about the old one must not be taken for it.
                // Only the rules that size the image: a moved or annotated models.json, or new token prices, keep the answers.
                .Add("rules", ModelVision.Find(o.Model)?.SizingKey() ?? "none")
                .Add("detail", o.Detail.ToString())
                .Add("maxSide", o.MaxSideIsSet ? o.MaxSide.ToString(CultureInfo.InvariantCulture) : "model")
                .Add("maxBytes", o.MaxBytes.ToString(CultureInfo.InvariantCulture))
                .Add("format", o.Format.ToString())
                .Add("quality", o.Quality.ToString(CultureInfo.InvariantCulture))
                .Add("adaptiveQuality", o.AdaptiveQuality ? "1" : "0")
                .Add("passThrough", o.AllowPassThrough ? "1" : "0")
                .Add("allowPartial", o.AllowPartial ? "1" : "0")
                .Add("core", typeof(ImagePreparer).Assembly.GetName().Version?.ToString())
                .Compute();
        }
    }
}
