using System;
using System.Collections.Generic;

namespace VisionPS.Core.OpenAI
{
    /// <summary>One question about N images: what the cmdlets send through Chat Completions or Responses.</summary>
    public sealed class VisionRequest
    {
        /// <summary>The model (for Azure chat completions the deployment decides; this is still sent).</summary>
        public string Model { get; set; } = "gpt-4.1-mini";

        /// <summary>The user's question.</summary>
        public string? Prompt { get; set; }

        /// <summary>A system prompt (Chat Completions) or instructions (Responses).</summary>
        public string? SystemPrompt { get; set; }

        /// <summary>The images, in order, after the prompt.</summary>
        public IList<VisionImageInput> Images { get; } = new List<VisionImageInput>();

        /// <summary>The answer's token limit (max_completion_tokens / max_output_tokens).</summary>
        public int? MaxTokens { get; set; }

        /// <summary>Sampling temperature, 0 to 2.</summary>
        public double? Temperature { get; set; }

        /// <summary>Structured output: the answer is JSON matching this schema.</summary>
        public VisionJsonSchema? JsonSchema { get; set; }

        /// <summary>Responses API only: the conversation this request continues server-side.</summary>
        public string? ConversationId { get; set; }

        internal void Validate()
        {
            if (string.IsNullOrWhiteSpace(Model))
            {
                throw new ArgumentException("A model name is required.");
            }
            if (string.IsNullOrEmpty(Prompt) && Images.Count == 0)
            {
                throw new ArgumentException("A request needs a prompt, an image, or both.");
            }
            if (MaxTokens is int max && max < 1)
            {
                throw new ArgumentException($"MaxTokens must be at least 1, not {max}.");
            }
            if (Temperature is double t && (t < 0 || t > 2 || double.IsNaN(t)))
            {
                throw new ArgumentException($"Temperature must be between 0 and 2, not {t}.");
            }
        }
    }

    /// <summary>A JSON schema for structured output.</summary>
    public sealed class VisionJsonSchema
    {
        /// <summary>Creates a schema; <paramref name="schemaJson"/> must be a JSON object.</summary>
        public VisionJsonSchema(string name, string schemaJson, bool strict = true)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
            {
                throw new ArgumentException("A schema name of 1 to 64 characters (a-z, A-Z, 0-9, _ and -) is required.", nameof(name));
            }
            foreach (char c in name)
            {
                if (!(char.IsLetterOrDigit(c) && c < 128) && c != '_' && c != '-')
                {
                    throw new ArgumentException($"The schema name '{name}' may hold only a-z, A-Z, 0-9, _ and -.", nameof(name));
                }
            }
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(schemaJson);
                if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                {
                    throw new ArgumentException("The JSON schema must be a JSON object.", nameof(schemaJson));
                }
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new ArgumentException("The JSON schema is not valid JSON: " + ex.Message, nameof(schemaJson), ex);
            }
            Name = name;
            SchemaJson = schemaJson;
            Strict = strict;
        }

        /// <summary>The schema's name.</summary>
        public string Name { get; }

        /// <summary>The schema as JSON text.</summary>
        public string SchemaJson { get; }

        /// <summary>Whether the model must follow the schema exactly.</summary>
        public bool Strict { get; }
    }
}
