package synth

import "strings"

// The word lists and templates below are written for this generator. They
// aim at the words that lexicon analyzers (AFINN, VADER) score and at the
// constructions that separate them from each other and from a trained model:
// intensifiers, negated adjectives ("not bad at all"), "but" clauses, ALL
// CAPS, emoji and emoticons, and adjectives no lexicon knows ("solid",
// "overpriced"). That spread is the point: analyzers must disagree a little.

// class is the sentiment a post is written with.
type class uint8

const (
	positive class = iota
	negative
	neutral
	mixed
	numClasses
)

// slot is a placeholder in a template.
type slot uint8

const (
	slotLit   slot = iota // literal text
	slotSubj              // {K}: the keyword (keyword posts) or an everyday topic
	slotPos               // {P}: positive adjective
	slotNeg               // {N}: negative adjective
	slotInt               // {I}: intensifier with its trailing space, or nothing
	slotAdv               // {J}: adverb before a verb, with its space, or nothing
	slotThing             // {X}: a thing a product or event has
	slotTime              // {T}: a time phrase
	slotDay               // {D}: a span of one's life (day, week)
	slotHour              // {H}: a clock time
	numSlots
)

var slotNames = map[string]slot{
	"K": slotSubj, "P": slotPos, "N": slotNeg, "I": slotInt, "J": slotAdv,
	"X": slotThing, "T": slotTime, "D": slotDay, "H": slotHour,
}

type tok struct {
	lit  string
	slot slot
}

// tmpl is a parsed template: literals and slots in order, so rendering is a
// loop of appends with no parsing or formatting per post.
type tmpl []tok

func parseTemplate(s string) tmpl {
	var t tmpl
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, tok{lit: s})
			break
		}
		if i > 0 {
			t = append(t, tok{lit: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			panic("synth: unclosed slot in template " + s)
		}
		sl, ok := slotNames[s[i+1:i+j]]
		if !ok {
			panic("synth: unknown slot in template " + s)
		}
		t = append(t, tok{slot: sl})
		s = s[i+j+1:]
	}
	return t
}

func parseTemplates(ss ...string) []tmpl {
	out := make([]tmpl, len(ss))
	for i, s := range ss {
		out[i] = parseTemplate(s)
	}
	return out
}

// language is what the generator needs to write in one language.
type language struct {
	code string
	// kw and bg are templates for posts about a keyword and for the
	// background, by class. Languages other than English share one set.
	kw, bg [numClasses][]tmpl
	// words fills the slots; upper holds ALL CAPS copies of the adjectives
	// for shouting.
	words, upper [numSlots][]string
	topics       []string
	// tails are short sentences that may follow the main one, by class.
	tails [numClasses][]string
	// openers may start an English post ("Honestly, ").
	openers []string
	// Names for authors writing in this language: display form and an
	// ASCII form for handles, at the same index.
	first, firstASCII, last, lastASCII []string
	locations                          []string
}

func (l *language) init() {
	for _, s := range []slot{slotPos, slotNeg} {
		l.upper[s] = make([]string, len(l.words[s]))
		for i, w := range l.words[s] {
			l.upper[s][i] = strings.ToUpper(w)
		}
	}
	if l.firstASCII == nil {
		l.firstASCII = foldAll(l.first)
	}
	if l.lastASCII == nil {
		l.lastASCII = foldAll(l.last)
	}
}

// foldASCII lower-cases a Latin name and drops its accents, for handles.
var foldASCII = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ã", "a", "ä", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ï", "i", "î", "i",
	"ó", "o", "ô", "o", "õ", "o", "ö", "o",
	"ú", "u", "ü", "u", "û", "u",
	"ñ", "n", "ç", "c", "ß", "ss", "'", "", " ", "",
)

func foldAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = foldASCII.Replace(strings.ToLower(n))
	}
	return out
}

func fields(s string) []string { return strings.Split(s, "|") }

var english = language{
	code: "en",
	kw: [numClasses][]tmpl{
		positive: parseTemplates(
			"{K} is {I}{P}",
			"I {J}love {K}",
			"{K} just made my {D}",
			"{I}{P} news about {K} {T}",
			"can't stop thinking about how {P} {K} is",
			"big fan of {K}, the {X} is {I}{P}",
			"{K} is not {N} at all",
			"finally tried {K} and it was {I}{P}",
			"thank you {K}, the {X} is {I}{P}",
			"{K} never disappoints",
			"the {X} from {K} looks {I}{P}",
			"{K} is the best thing that happened {T}",
			"so happy to see {K} doing well {T}",
			"{K} wins {T}",
		),
		negative: parseTemplates(
			"{K} is {I}{N}",
			"I {J}hate {K}",
			"{K} ruined my {D}",
			"{I}{N} experience with {K} {T}",
			"why is {K} so {N}",
			"{K} is not {P} at all",
			"done with {K}, the {X} is {I}{N}",
			"tried {K} {T} and it was {I}{N}",
			"{K} keeps getting worse",
			"the {X} from {K} is {I}{N}",
			"can't believe how {N} {K} has become",
			"{K} is the worst",
			"nobody asked for this {X}, {K}",
			"{K} lost me {T}",
		),
		neutral: parseTemplates(
			"{K} announced a new {X} {T}",
			"anyone tried {K} yet?",
			"reading about {K} {T}",
			"what do you think about {K}?",
			"the {K} {X} is out",
			"thread on {K} below",
			"{K} is trending {T}",
			"meeting about {K} at {H}",
			"just saw the {K} {X}",
			"{K} {X} numbers are in",
			"is {K} worth it?",
			"{K} live at {H}",
		),
		mixed: parseTemplates(
			"{K} is {P} but the {X} is {N}",
			"love {K}, hate the {X}",
			"{K} looks {P} but feels {N}",
			"the {X} is {P}, the rest of {K} is {N}",
			"{K}: {P} idea, {N} execution",
			"not sure about {K}, {P} {X} but {N} support",
		),
	},
	bg: [numClasses][]tmpl{
		positive: parseTemplates(
			"{K} is {I}{P}",
			"{K} made my {D}",
			"{I}{P} {D} so far",
			"loving {K} {T}",
			"{K} was {I}{P} {T}",
			"nothing beats {K}",
			"grateful for {K}",
		),
		negative: parseTemplates(
			"{K} is {I}{N}",
			"{K} ruined my {D}",
			"{I}{N} {D}",
			"ugh, {K} {T}",
			"{K} was {I}{N} {T}",
			"so tired of {K}",
			"why is {K} always so {N}",
		),
		neutral: parseTemplates(
			"{K} {T}",
			"thinking about {K}",
			"{K} at {H}",
			"anyone else up for {K} {T}?",
			"back to {K}",
			"time for {K}",
			"{K} again",
		),
		mixed: parseTemplates(
			"{K} was {P} but the rest of the {D} was {N}",
			"{P} {K}, {N} {D}",
			"{K} is {P} and {N} at the same time",
		),
	},
	words: [numSlots][]string{
		slotPos: fields("amazing|awesome|great|brilliant|fantastic|excellent|lovely|wonderful|impressive|fun|" +
			"beautiful|perfect|nice|cool|good|superb|incredible|outstanding|solid|delightful|fabulous|" +
			"stunning|gorgeous|refreshing|epic|underrated"),
		slotNeg: fields("terrible|awful|horrible|disappointing|broken|useless|annoying|frustrating|bad|sad|" +
			"boring|pathetic|ridiculous|ugly|disgusting|overpriced|slow|buggy|painful|embarrassing|unacceptable"),
		slotInt: fields("||||really |very |so |absolutely |incredibly |extremely |totally |pretty |kinda |" +
			"somewhat |slightly |sooo |super |quite |truly "),
		slotAdv: fields("|||really |absolutely |honestly |just |totally |seriously "),
		slotThing: fields("update|design|price|new version|customer service|ending|announcement|launch|app|" +
			"interview|trailer|results|ad|keynote|release|camera|battery life|support team|plan|decision"),
		slotTime: fields("today|tonight|this morning|right now|again|this week|yesterday|so far|lately"),
		slotDay:  fields("day|week|morning|weekend|year|evening"),
		slotHour: fields("3pm|10:30|noon|9am|5:45|midnight"),
	},
	topics: fields("my coffee|the weather|this traffic|the game|monday|my cat|the new album|work|lunch|" +
		"the gym|my commute|this movie|the weekend|the train|my team|pizza night|the concert|this book|" +
		"the rain|my garden"),
	tails: [numClasses][]string{
		positive: fields("Highly recommend.|10/10.|Best decision ever.|So happy right now.|Can't wait for more!|Love it."),
		negative: fields("Never again.|What a waste of money.|So disappointed.|Fix it please.|Unacceptable.|I give up."),
		neutral:  fields("More later.|Details in the thread.|We'll see.|Source below.|Thoughts?"),
		mixed:    fields("Still not sure how I feel.|Mixed feelings.|Could go either way."),
	},
	openers: fields("Honestly, |ok so |Not gonna lie, |PSA: |lol |Wow. |Hot take: |Update: |Real talk: |Okay, |So |Just saying, "),
	first: fields("James|Mary|Olivia|Liam|Emma|Noah|Ava|Sophia|Jackson|Mia|Ethan|Chloe|Lucas|Grace|Aiden|" +
		"Zoe|Ryan|Ella|Nathan|Lily|Priya|Arjun|Wei|Fatima|Omar|Aisha|Daniel|Sarah|Michael|Jessica|David|" +
		"Emily|Chris|Megan"),
	last: fields("Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Wilson|Anderson|Taylor|Thomas|" +
		"Moore|Martin|Lee|Walker|Hall|Young|King|Wright|Patel|Nguyen|Kim|Chen|O'Brien|Murphy|Khan"),
	locations: fields("New York, NY|London|Austin, TX|Toronto|Sydney|Dublin|San Francisco, CA|Manchester|" +
		"Seattle, WA|Chicago, IL|Lagos|Mumbai|Singapore|Cape Town|Melbourne|Vancouver, BC|Boston, MA|" +
		"the internet|Earth 🌍|somewhere in the cloud"),
}

// otherLanguages are the non-English languages, with their share among
// non-English authors. Their posts let analyzers show the unscored path.
var otherLanguages = []struct {
	lang  *language
	share float64
}{
	{&spanish, 0.30}, {&french, 0.20}, {&german, 0.15}, {&japanese, 0.20}, {&portuguese, 0.15},
}

// same builds a [numClasses][]tmpl set used for both keyword and background
// posts of a language whose templates fit any subject.
func same(pos, neg, neu, mix []string) [numClasses][]tmpl {
	return [numClasses][]tmpl{
		positive: parseTemplates(pos...),
		negative: parseTemplates(neg...),
		neutral:  parseTemplates(neu...),
		mixed:    parseTemplates(mix...),
	}
}

var spanishT = same(
	fields("{K} es {I}{P}|me encanta {K}|qué maravilla {K} {T}|{K} me alegró el {D}"),
	fields("{K} es {I}{N}|odio {K}|qué decepción con {K}|{K} me arruinó el {D}"),
	fields("¿alguien sabe algo de {K}?|leyendo sobre {K} {T}|hablan de {K} {T}|{K} a las {H}"),
	fields("{K} es {P} pero {X} es {N}"),
)

var spanish = language{
	code: "es", kw: spanishT, bg: spanishT,
	words: [numSlots][]string{
		slotPos:   fields("increíble|genial|buenísimo|maravilloso|espectacular"),
		slotNeg:   fields("horrible|terrible|malísimo|un desastre|decepcionante"),
		slotInt:   fields("||muy |súper |realmente "),
		slotThing: fields("la actualización|el precio|el diseño|el anuncio|el servicio"),
		slotTime:  fields("hoy|esta noche|esta mañana|otra vez"),
		slotDay:   fields("día|finde"),
		slotHour:  fields("3|5|9"),
	},
	topics: fields("el café|el tráfico|el partido|la lluvia|el trabajo|mi gato|el finde"),
	tails: [numClasses][]string{
		positive: fields("¡Lo recomiendo!|Diez de diez."),
		negative: fields("Nunca más.|Qué pena."),
		neutral:  fields("Veremos.|Más info pronto."),
		mixed:    fields("No sé qué pensar."),
	},
	first:     fields("Sofía|Mateo|Valentina|Santiago|Lucía|Diego|Camila|Javier|Martina|Alejandro"),
	last:      fields("García|Martínez|López|Sánchez|Pérez|Gómez|Fernández|Rodríguez|Díaz|Torres"),
	locations: fields("Madrid|Ciudad de México|Buenos Aires|Bogotá|Barcelona|Santiago de Chile|Sevilla"),
}

var frenchT = same(
	fields("{K} est {I}{P}|j'adore {K}|{K} a illuminé ma {D}|tellement content pour {K}"),
	fields("{K} est {I}{N}|je déteste {K}|{K} a gâché ma {D}|quelle déception, {K}"),
	fields("quelqu'un a testé {K} ?|je lis un article sur {K} {T}|on parle de {K} {T}|{K} à {H}"),
	fields("{K} est {P} mais {X} est {N}"),
)

var french = language{
	code: "fr", kw: frenchT, bg: frenchT,
	words: [numSlots][]string{
		slotPos:   fields("génial|super|magnifique|incroyable|top"),
		slotNeg:   fields("nul|horrible|décevant|catastrophique|pénible"),
		slotInt:   fields("||très |vraiment |trop "),
		slotThing: fields("la mise à jour|le prix|le design|le service|l'annonce"),
		slotTime:  fields("aujourd'hui|ce soir|ce matin|encore"),
		slotDay:   fields("journée|semaine"),
		slotHour:  fields("15h|midi|9h"),
	},
	topics: fields("le café|la météo|le match|le métro|le boulot|mon chat"),
	tails: [numClasses][]string{
		positive: fields("Je recommande !|Dix sur dix."),
		negative: fields("Plus jamais.|Quelle honte."),
		neutral:  fields("On verra.|À suivre."),
		mixed:    fields("Je ne sais pas quoi penser."),
	},
	first:     fields("Camille|Louis|Léa|Hugo|Chloé|Jules|Manon|Gabriel|Inès|Arthur"),
	last:      fields("Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau"),
	locations: fields("Paris|Lyon|Montréal|Bruxelles|Marseille|Genève|Toulouse"),
}

var germanT = same(
	fields("{K} ist {I}{P}|ich liebe {K}|{K} macht mich {T} glücklich|was für ein Genuss: {K}"),
	fields("{K} ist {I}{N}|ich hasse {K}|{K} nervt {T}|so eine Enttäuschung, {K}"),
	fields("hat jemand {K} ausprobiert?|lese gerade über {K}|{K} {T} um {H}"),
	fields("{K} ist {P}, aber {X} ist {N}"),
)

var german = language{
	code: "de", kw: germanT, bg: germanT,
	words: [numSlots][]string{
		slotPos:   fields("großartig|super|toll|fantastisch|genial"),
		slotNeg:   fields("schrecklich|furchtbar|enttäuschend|nervig|katastrophal"),
		slotInt:   fields("||sehr |echt |wirklich |total "),
		slotThing: fields("das Update|der Preis|das Design|der Service|die Ankündigung"),
		slotTime:  fields("heute|heute Abend|heute Morgen|schon wieder"),
		slotDay:   fields("Tag|Abend"),
		slotHour:  fields("15 Uhr|Mittag|9 Uhr"),
	},
	topics: fields("der Kaffee|das Wetter|das Spiel|die Bahn|die Arbeit|meine Katze"),
	tails: [numClasses][]string{
		positive: fields("Klare Empfehlung!|Zehn von zehn."),
		negative: fields("Nie wieder.|Schade."),
		neutral:  fields("Mal sehen.|Mehr später."),
		mixed:    fields("Ich bin unentschlossen."),
	},
	first:     fields("Lukas|Anna|Felix|Lena|Jonas|Marie|Paul|Sophie|Leon|Hannah"),
	last:      fields("Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Hoffmann|Schulz"),
	locations: fields("Berlin|München|Wien|Zürich|Hamburg|Köln|Leipzig"),
}

// Japanese runs words together; the templates keep spaces around the
// subject so that a keyword stays on word boundaries for matchers.
var japaneseT = same(
	fields("{K} {I}{P}！|{K} 大好き|{T}の {K} {P}"),
	fields("{K} {I}{N}|{K} 嫌い|{T}も {K} {N}…"),
	fields("{K} について調べてる|{K} どうなの？|{T}は {K} の話題ばかり|{H}から {K}"),
	fields("{K} は{P}けど、{X}が{N}"),
)

var japanese = language{
	code: "ja", kw: japaneseT, bg: japaneseT,
	words: [numSlots][]string{
		slotPos:   fields("最高|素晴らしい|すごく良い|神"),
		slotNeg:   fields("最悪|ひどい|残念|がっかり"),
		slotInt:   fields("||本当に|めっちゃ"),
		slotThing: fields("アップデート|値段|デザイン|サービス"),
		slotTime:  fields("今日|今夜|また"),
		slotDay:   fields("一日|週末"),
		slotHour:  fields("15時|正午|9時"),
	},
	topics: fields("コーヒー|天気|試合|電車|仕事|うちの猫"),
	tails: [numClasses][]string{
		positive: fields("おすすめ！|また行きたい。"),
		negative: fields("もう無理。|二度と使わない。"),
		neutral:  fields("続報待ち。|また後で。"),
		mixed:    fields("複雑な気持ち。"),
	},
	first:      fields("健|陽菜|蓮|結衣|大翔|葵|悠真|美咲"),
	firstASCII: fields("ken|hina|ren|yui|hiroto|aoi|yuma|misaki"),
	last:       fields("佐藤|鈴木|高橋|田中|伊藤|渡辺|山本|中村"),
	lastASCII:  fields("sato|suzuki|takahashi|tanaka|ito|watanabe|yamamoto|nakamura"),
	locations:  fields("東京|大阪|Tokyo|京都|福岡|札幌"),
}

var portugueseT = same(
	fields("{K} é {I}{P}|amo {K}|{K} fez meu {D}|que alegria, {K} {T}"),
	fields("{K} é {I}{N}|odeio {K}|{K} estragou meu {D}|que decepção com {K}"),
	fields("alguém já testou {K}?|lendo sobre {K} {T}|falando de {K} {T}|{K} às {H}"),
	fields("{K} é {P}, mas {X} é {N}"),
)

var portuguese = language{
	code: "pt", kw: portugueseT, bg: portugueseT,
	words: [numSlots][]string{
		slotPos:   fields("incrível|ótimo|maravilhoso|sensacional|lindo"),
		slotNeg:   fields("horrível|péssimo|decepcionante|terrível|chato"),
		slotInt:   fields("||muito |super |bem "),
		slotThing: fields("a atualização|o preço|o design|o atendimento|o anúncio"),
		slotTime:  fields("hoje|hoje à noite|de novo|agora"),
		slotDay:   fields("dia|fim de semana"),
		slotHour:  fields("15h|meio-dia|9h"),
	},
	topics: fields("o café|o trânsito|o jogo|a chuva|o trabalho|meu gato"),
	tails: [numClasses][]string{
		positive: fields("Recomendo!|Nota dez."),
		negative: fields("Nunca mais.|Que pena."),
		neutral:  fields("Vamos ver.|Mais informações em breve."),
		mixed:    fields("Sentimentos confusos."),
	},
	first:     fields("Ana|João|Maria|Pedro|Beatriz|Lucas|Mariana|Gabriel|Larissa|Rafael"),
	last:      fields("Silva|Santos|Oliveira|Souza|Lima|Pereira|Costa|Ferreira|Almeida|Carvalho"),
	locations: fields("São Paulo|Lisboa|Rio de Janeiro|Porto|Belo Horizonte|Recife"),
}

// Decorations shared by every language.
var (
	emoji = [numClasses][]string{
		positive: fields("😍|😂|🎉|🔥|👍|❤️|✨|🙌|😊|🥳|💯|👏|😁|🤩"),
		negative: fields("😡|😢|😤|👎|💔|😞|🙄|😩|🤬|😒|😭"),
		neutral:  fields("🤔|👀|📅|📰|🧵|📌|☕"),
		mixed:    fields("🤷|😅|🙃|😬"),
	}
	// Emoticons contain "|", so they are listed without fields.
	emoticons = [numClasses][]string{
		positive: {":)", ":D", ";)", "<3", ":-)", "xD", "=)"},
		negative: {":(", ":-(", ":/", ":'(", "D:", ">:("},
		neutral:  {":|", "o_O"},
		mixed:    {":/", ":-/"},
	}
	// enders close the main sentence, by class; "" leaves it open.
	enders = [numClasses][]string{
		positive: fields("||!|!!|!!!|."),
		negative: fields("||.|!|...|!!"),
		neutral:  fields("||."),
		mixed:    fields("||.|..."),
	}
	hashtags = fields("#tech|#news|#life|#MondayMotivation|#foodie|#travel|#music|#gaming|#photography|" +
		"#fitness|#startup|#weekend|#coffee|#nowplaying|#sports|#movies|#books|#art|#wellness|#tbt")
	// handleWords make up handles that are not names ("pixelfox").
	handleAdj  = fields("sunny|pixel|urban|lazy|cosmic|quiet|daily|retro|happy|wild|tiny|neon|midnight|lucky")
	handleNoun = fields("fox|coder|panda|chef|runner|reader|writer|dev|cat|wave|owl|bee|gamer|nomad")
)

func init() {
	english.init()
	for _, l := range otherLanguages {
		l.lang.init()
	}
}
