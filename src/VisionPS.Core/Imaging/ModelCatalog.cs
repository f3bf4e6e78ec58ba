using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// The vision rules per model, as data: the module's embedded <c>models.json</c> (each number with its source), plus
    /// the user's <c>models.json</c> (<see cref="UserFilePath"/>), whose entries add models or replace built-in ones by
    /// name, so a model released after the module needs no new release.
    /// </summary>
    public sealed class ModelCatalog
    {
        private const string ResourceName = "VisionPS.Core.models.json";
        private const long MaxUserFileBytes = 1024 * 1024;
        private static readonly object s_lock = new();
        private static ModelCatalog? s_current;
        private static (string? Path, DateTime Stamp, long Length) s_loadedFrom;

        private readonly List<ModelVision> _byLongestName;

        private ModelCatalog(List<ModelVision> models, ModelVision fallback, string? userFile, string? userFileError)
        {
            Models = models.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
            _byLongestName = models.OrderByDescending(m => m.Name.Length).ThenBy(m => m.Name, StringComparer.Ordinal).ToList();
            Default = fallback;
            UserFile = userFile;
            UserFileError = userFileError;
        }

        /// <summary>Every model's rules, by name.</summary>
        public IReadOnlyList<ModelVision> Models { get; }

        /// <summary>The rules used when no model, or an unknown one, is named.</summary>
        public ModelVision Default { get; }

        /// <summary>The user's file that was read, or null when there is none.</summary>
        public string? UserFile { get; }

        /// <summary>Why the user's file was not used (built-in rules only), or null.</summary>
        public string? UserFileError { get; }

        /// <summary>
        /// The catalog in effect: built-in rules plus the user's file, re-read when that file changes.
        /// </summary>
        public static ModelCatalog Current
        {
            get
            {
                string path = UserFilePath();
                (DateTime stamp, long length) = Stamp(path);
                lock (s_lock)
                {
                    if (s_current is null || s_loadedFrom != (path, stamp, length))
                    {
                        s_current = LoadFrom(path);
                        s_loadedFrom = (path, stamp, length);
                    }
                    return s_current;
                }
            }
        }

        /// <summary>
        /// Where the user's rules are read: <c>VISIONPS_MODELS</c> if set, else <c>models.json</c> in the per-OS
        /// configuration folder (<see cref="LocalFiles.UserFolder"/>, kind Config).
        /// </summary>
        public static string UserFilePath()
        {
            string? env = Environment.GetEnvironmentVariable("VISIONPS_MODELS");
            return !string.IsNullOrWhiteSpace(env) ? env! : Path.Combine(LocalFiles.UserFolder(UserFolderKind.Config, string.Empty), "models.json");
        }

        /// <summary>The module's own rules, as shipped.</summary>
        public static string BuiltInJson()
        {
            using Stream stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"The {ResourceName} resource is missing from VisionPS.Core.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        /// <summary>
        /// Builds a catalog from the built-in JSON and the user's JSON (null: none). A user file that cannot be used
        /// is reported in <see cref="UserFileError"/> and the built-in rules apply alone.
        /// </summary>
        public static ModelCatalog Parse(string builtInJson, string? userJson, string? userFile = null)
        {
            var builtIn = Document.Read(builtInJson, "built-in");
            if (userJson is null)
            {
                return builtIn.Build(null, null);
            }
            try
            {
                var user = Document.Read(userJson, userFile ?? "user file");
                return builtIn.Merge(user).Build(userFile, null);
            }
            catch (ModelRulesException ex)
            {
                return builtIn.Build(null, ex.Message);
            }
        }

        /// <summary>
        /// The rules for <paramref name="model"/> (dated snapshots, Ollama-style <c>:tag</c>s and <c>vendor/</c> prefixes
        /// included), or null if unknown.
        /// </summary>
        public ModelVision? Find(string? model)
        {
            if (string.IsNullOrWhiteSpace(model))
            {
                return null;
            }
            string m = model!.Trim().ToLowerInvariant();
            int slash = m.LastIndexOf('/');
            if (slash >= 0)
            {
                m = m.Substring(slash + 1); // "openai/gpt-4o" as some gateways spell it
            }
            foreach (ModelVision vision in _byLongestName)
            {
                string prefix = vision.Name.ToLowerInvariant();
                if (m == prefix || m.StartsWith(prefix + "-", StringComparison.Ordinal) || m.StartsWith(prefix + ":", StringComparison.Ordinal))
                {
                    return vision;
                }
            }
            return null;
        }

        private static (DateTime, long) Stamp(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return (DateTime.MinValue, -2);
            }
        }

        private static ModelCatalog LoadFrom(string path)
        {
            string builtIn = BuiltInJson();
            bool named = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("VISIONPS_MODELS"));
            string? user;
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    return named
                        ? Parse(builtIn, null).WithError($"VISIONPS_MODELS names '{path}', which does not exist; the built-in model rules apply.")
                        : Parse(builtIn, null);
                }
                if (info.Length > MaxUserFileBytes)
                {
                    return Parse(builtIn, null).WithError($"The model rules file '{path}' is larger than 1 MB; the built-in model rules apply.");
                }
                // Read without waiting: a FIFO in its place (length 0, like an empty file) would wait for a writer.
                byte[]? bytes = LocalFiles.ReadShared(path, MaxUserFileBytes);
                if (bytes is null)
                {
                    return Parse(builtIn, null).WithError($"The model rules file '{path}' is not a regular file (a FIFO or a socket) or grew past 1 MB; the built-in model rules apply.");
                }
                user = LocalFiles.Text(bytes);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return Parse(builtIn, null).WithError($"The model rules file '{path}' could not be read ({ex.Message}); the built-in model rules apply.");
            }
            return Parse(builtIn, user, path);
        }

        private ModelCatalog WithError(string error) => new(Models.ToList(), Default, null, error);

        /// <summary>One models.json, parsed but not yet built into rules.</summary>
        private sealed class Document
        {
            private string _source = string.Empty;
            private string? _default;
            private readonly Dictionary<string, JsonElement> _families = new(StringComparer.OrdinalIgnoreCase);
            private readonly Dictionary<string, (JsonElement Entry, string Origin)> _models = new(StringComparer.OrdinalIgnoreCase);

            public static Document Read(string json, string source)
            {
                var doc = new Document { _source = source };
                JsonElement root;
                try
                {
                    using JsonDocument parsed = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                    root = parsed.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    // JsonException's message names internals ("LineNumber: 0 | BytePositionInLine: 1"): say where, plainly.
                    string where = ex.LineNumber is long line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
                    throw new ModelRulesException($"The model rules file '{source}' is not valid JSON{where}; fix or remove it (the built-in rules apply meanwhile).");
                }
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new ModelRulesException($"The model rules file '{source}' must hold a JSON object with a 'models' array.");
                }
                if (root.TryGetProperty("default", out JsonElement def))
                {
                    doc._default = def.ValueKind == JsonValueKind.String ? def.GetString()
                        : throw new ModelRulesException($"In '{source}', 'default' must be a model name.");
                }
                if (root.TryGetProperty("families", out JsonElement families))
                {
                    if (families.ValueKind != JsonValueKind.Object)
                    {
                        throw new ModelRulesException($"In '{source}', 'families' must be an object.");
                    }
                    foreach (JsonProperty family in families.EnumerateObject())
                    {
                        ParseFamily(family.Name, source);
                        doc._families[family.Name] = family.Value;
                    }
                }
                if (root.TryGetProperty("models", out JsonElement models))
                {
                    if (models.ValueKind != JsonValueKind.Array)
                    {
                        throw new ModelRulesException($"In '{source}', 'models' must be an array.");
                    }
                    int i = 0;
                    foreach (JsonElement entry in models.EnumerateArray())
                    {
                        string? name = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String
                            ? n.GetString() : null;
                        if (string.IsNullOrWhiteSpace(name))
                        {
                            throw new ModelRulesException($"In '{source}', models[{i}] needs a 'name'.");
                        }
                        doc._models[name!.Trim()] = (entry, source);
                        i++;
                    }
                }
                return doc;
            }

            public Document Merge(Document user)
            {
                var merged = new Document { _source = user._source, _default = user._default ?? _default };
                foreach (var pair in _families)
                {
                    merged._families[pair.Key] = pair.Value;
                }
                foreach (var pair in user._families)
                {
                    merged._families[pair.Key] = pair.Value; // family defaults: the user's numbers win
                }
                foreach (var pair in _models)
                {
                    merged._models[pair.Key] = pair.Value;
                }
                foreach (var pair in user._models)
                {
                    merged._models[pair.Key] = pair.Value; // an entry of the same name replaces the built-in one
                }
                return merged;
            }

            public ModelCatalog Build(string? userFile, string? userFileError)
            {
                var models = new List<ModelVision>();
                foreach (var pair in _models)
                {
                    models.Add(BuildModel(pair.Key, pair.Value.Entry, pair.Value.Origin));
                }
                string defaultName = _default ?? "gpt-4o";
                ModelVision fallback = models.FirstOrDefault(m => string.Equals(m.Name, defaultName, StringComparison.OrdinalIgnoreCase))
                    ?? throw new ModelRulesException($"In '{_source}', the default model '{defaultName}' has no entry.");
                return new ModelCatalog(models, fallback, userFile, userFileError);
            }

            private ModelVision BuildModel(string name, JsonElement entry, string origin)
            {
                string where = $"In '{origin}', model '{name}'";
                string familyName = Str(entry, "family") ?? throw new ModelRulesException($"{where} needs a 'family' ('tile' or 'patch').");
                VisionFamily family = ParseFamily(familyName, origin);
                _families.TryGetValue(familyName, out JsonElement defaults);
                int IntOf(string key, int fallback, bool required = false)
                {
                    JsonElement? value = Prop(entry, key) ?? Prop(defaults, key);
                    if (value is null)
                    {
                        return required ? throw new ModelRulesException($"{where} needs '{key}'.") : fallback;
                    }
                    if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetInt32(out int n) || n <= 0)
                    {
                        throw new ModelRulesException($"{where}: '{key}' must be a whole number above 0.");
                    }
                    return n;
                }
                var vision = new ModelVision(name, family)
                {
                    Origin = origin,
                    Source = Str(entry, "source"),
                    MaxSide = IntOf("maxSide", 2048),
                    LowSide = IntOf("lowSide", 512),
                };
                if (family == VisionFamily.Tile)
                {
                    vision.BaseTokens = IntOf("baseTokens", 0, required: true);
                    vision.TileTokens = IntOf("tileTokens", 0, required: true);
                    vision.TileSize = IntOf("tileSize", 512);
                    vision.ShortSide = IntOf("shortSide", 768);
                    return vision;
                }
                vision.PatchSize = IntOf("patchSize", 32);
                vision.PatchBudget = IntOf("patchBudget", 1536);
                JsonElement? multiplier = Prop(entry, "multiplier") ?? Prop(defaults, "multiplier");
                if (multiplier is not null)
                {
                    if (multiplier.Value.ValueKind != JsonValueKind.Number || multiplier.Value.GetDouble() <= 0)
                    {
                        throw new ModelRulesException($"{where}: 'multiplier' must be a number above 0.");
                    }
                    vision.PatchMultiplier = multiplier.Value.GetDouble();
                }
                JsonElement? autoOriginal = Prop(entry, "autoMeansOriginal");
                JsonElement? original = Prop(entry, "original");
                if (original is not null && original.Value.ValueKind != JsonValueKind.Null)
                {
                    if (original.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new ModelRulesException($"{where}: 'original' must be an object (patchBudget or patchLimit, maxSide).");
                    }
                    JsonElement o = original.Value;
                    int Positive(string key)
                    {
                        JsonElement? v = Prop(o, key);
                        if (v is null || v.Value.ValueKind == JsonValueKind.Null)
                        {
                            return 0;
                        }
                        return v.Value.ValueKind == JsonValueKind.Number && v.Value.TryGetInt32(out int n) && n > 0
                            ? n : throw new ModelRulesException($"{where}: 'original.{key}' must be a whole number above 0.");
                    }
                    vision.SupportsOriginal = true;
                    vision.OriginalPatchBudget = Positive("patchBudget");
                    vision.OriginalPatchLimit = Positive("patchLimit");
                    vision.OriginalMaxSide = Positive("maxSide");
                    if (vision.OriginalMaxSide == 0)
                    {
                        throw new ModelRulesException($"{where}: 'original' needs 'maxSide'.");
                    }
                }
                if (autoOriginal is not null)
                {
                    if (autoOriginal.Value.ValueKind != JsonValueKind.True && autoOriginal.Value.ValueKind != JsonValueKind.False)
                    {
                        throw new ModelRulesException($"{where}: 'autoMeansOriginal' must be true or false.");
                    }
                    vision.AutoMeansOriginal = autoOriginal.Value.ValueKind == JsonValueKind.True;
                    if (vision.AutoMeansOriginal && !vision.SupportsOriginal)
                    {
                        throw new ModelRulesException($"{where}: 'autoMeansOriginal' needs an 'original' object.");
                    }
                }
                return vision;
            }

            private static VisionFamily ParseFamily(string name, string source) => name.ToLowerInvariant() switch
            {
                "tile" => VisionFamily.Tile,
                "patch" => VisionFamily.Patch,
                _ => throw new ModelRulesException($"In '{source}', family '{name}' is unknown: use 'tile' or 'patch'."),
            };

            private static JsonElement? Prop(JsonElement element, string key)
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }
                foreach (JsonProperty p in element.EnumerateObject())
                {
                    if (string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase))
                    {
                        return p.Value;
                    }
                }
                return null;
            }

            private static string? Str(JsonElement element, string key)
            {
                JsonElement? v = Prop(element, key);
                return v is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
            }
        }
    }

    /// <summary>A models.json that cannot be used, with a message naming the file and the entry.</summary>
    public sealed class ModelRulesException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ModelRulesException(string message) : base(message)
        {
        }
    }
}
