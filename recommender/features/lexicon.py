"""Italian cue lexicon: how intake notes and service descriptions talk about each need.

Patterns are regular expressions over ``normalize``d text (lower case, accents folded).
Each intake cue has a weight (how strongly the phrase alone signals the need), an
optional context it needs (an older person, a child, a dependent person in the
household), and whether the phrase already carries its own negation ("non guida più"),
in which case the negation detector leaves it alone.

The lists are domain knowledge written from social-work practice (SAD, CDD, SFA, NASpI,
L.104, ISEE...), not fitted to any test case; extend them with the phrasing of your
territory and measure with ``recommender evaluate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cue:
    need: str
    pattern: re.Pattern[str]
    weight: float
    context: str | None = None  # elderly | child | dependent | disabled
    self_negating: bool = False  # the phrase contains its own "non"/"senza"
    expand: tuple[str, ...] = field(default=())  # service-side words for retrieval


def _c(need: str, pattern: str, weight: float, context: str | None = None, neg: bool = False, expand: str = "") -> Cue:
    return Cue(need, re.compile(pattern), weight, context, neg, tuple(expand.split()))


# Intake-side cues: what a person or a welfare manager says.
INTAKE_CUES: tuple[Cue, ...] = (
    # --- childcare -------------------------------------------------------------------
    _c("childcare", r"\b(asilo nido|nido|micronido|nidi|sezione primavera)\b", 0.9, expand="nido infanzia mesi"),
    _c("childcare", r"\bbaby.?sitter|\btata\b|\bbabysitting\b", 0.9, expand="babysitter domicilio bambini"),
    _c("childcare", r"\b(pre|post).?scuola|\bpre e post\b|prima (dell|delle) (lezioni|scuola|entrata)|dopo (la|le) (scuola|lezioni)|uscita (da|di) scuola", 0.8, expand="pre post scuola accoglienza primaria"),
    _c("childcare", r"\bcentr[oi] estiv|\bgrest\b|\bcre\b|campo estivo|campus estiv|settimane estive|chiusura (delle|della) scuol|vacanze (estive|scolastiche)", 0.8, expand="centro estivo estate"),
    _c("childcare", r"\bdoposcuola|dopo.?scuola|aiuto (nei|con i|per i) compiti|fare i compiti|spazio compiti|ripetizion", 0.85, expand="doposcuola compiti"),
    _c("childcare", r"\bludoteca|spazio gioco|spazio (mamme|bimbi)", 0.8, expand="ludoteca gioco"),
    _c("childcare", r"(chi|qualcuno che|nessuno che) (tenga|tenere|guardi|badi|stia con|prenda|vada a prendere) (i|il|la|le)? ?(bambin|bimb|figli|piccol|ragazz|nipot)", 0.85, "child", expand="bambini accudire"),
    _c("childcare", r"(dove|posto dove) (stia|stare|lasciar\w*)[^.;]{0,30}(pomeriggio|mattina|mentre)", 0.75, "child", expand="pomeriggio educatori"),
    _c("childcare", r"a scuola non (capisce|segue|va bene)|(difficolta|fatica|problemi) (a|con la|nella) scuola|rendimento scolastico|bocciat", 0.6, "child", expand="compiti doposcuola"),
    _c("childcare", r"(rientr\w+|torn\w+) al lavoro[^.;]{0,40}(bimb|bambin|figli|piccol|nascita|maternita)|(bimb|bambin|figli|piccol)[^.;]{0,40}(rientr\w+|torn\w+) al lavoro|fine (della )?maternita|congedo (di )?maternita", 0.6, "child", expand="nido"),
    # --- elderly_care ----------------------------------------------------------------
    _c("elderly_care", r"assistenza (domiciliare|a domicilio|a casa)|\bsad\b|aiuto (a|in) casa|aiuto a domicilio|qualcuno (a|in) casa|assistenza (nelle|per alcune) ore", 0.75, "elderly", expand="assistenza domiciliare oss igiene"),
    _c("elderly_care", r"\bbadant|assistente familiare", 0.8, "elderly", expand="badante assistenza domiciliare"),
    _c("elderly_care", r"\bnon (e |e piu |piu )?(del tutto )?autosufficient|\bnon autosufficien|parzialmente autosufficient|allettat|non cammina piu|non si alza", 0.85, "elderly", neg=True, expand="non autosufficienti assistenza domiciliare"),
    _c("elderly_care", r"casa di riposo|\brsa\b|residenza (sanitaria|per anziani)|centro servizi (per )?anziani|ricover\w+ (definitiv|in struttura)|in struttura", 0.8, "elderly", expand="rsa residenza"),
    _c("elderly_care", r"centro diurno|\bcdi\b", 0.6, "elderly_only", expand="centro diurno anziani"),
    _c("elderly_care", r"pasti a domicilio|pasto caldo|non (riesce|riesco) (piu )?a cucinare|non cucina piu|mangia (poco|male|solo)", 0.8, "elderly", neg=True, expand="pasti domicilio"),
    _c("elderly_care", r"telesoccorso|teleassistenza|braccialetto|pulsante", 0.85, "elderly", expand="teleassistenza telesoccorso"),
    _c("elderly_care", r"demenz|alzheimer|decadimento cognitiv|deterioramento cognitiv|perde la memoria|si perde|confus[oa]|\bcdcd\b|disorientat", 0.75, "elderly", expand="demenza alzheimer decadimento cognitivo memoria"),
    _c("elderly_care", r"\bcadut[aoe]\b|e cadut[oa]|cade spesso|\bcade\b|rischio di cadere", 0.55, "elderly", expand="caduta telesoccorso teleassistenza"),
    _c("elderly_care", r"(non riesce|fatica|non ce la fa)[^.;]{0,25}(lavarsi|vestirsi|igiene|fare il bagno|la doccia)|igiene personale|lavarsi da sol", 0.8, "elderly", neg=True, expand="igiene personale assistenza domiciliare oss"),
    _c("elderly_care", r"(fatica|non riesce|non ce la fa)[^.;]{0,30}(spesa|scale|portare|faccende|pulizie)|\d\W? piano senza ascensore", 0.6, "elderly", neg=True, expand="spesa domicilio"),
    _c("elderly_care", r"non (puo|deve|riesce a) (stare|rimanere|vivere) (da )?sol[oa]|non (va|e piu) lasciat[oa] sol[oa]|solo di notte|sola di notte", 0.75, "elderly", neg=True, expand="assistenza domiciliare teleassistenza"),
    _c("elderly_care", r"\bvive (da )?sol[oa]\b|abita (da )?sol[oa]", 0.35, "elderly", expand="teleassistenza"),
    _c("elderly_care", r"deambulator|carrozzin|bastone|girello", 0.35, "elderly"),
    _c("elderly_care", r"frattura del femore|femore rott|rottura del femore", 0.5, "elderly", expand="assistenza domiciliare"),
    # --- disability ------------------------------------------------------------------
    _c("disability", r"\bautis(mo|tic\w*)\b|spettro autistic|parapleg|tetrapleg|paralizzat|\bdsa\b.{0,10}autis|sindrome di down|trisomia|disabilita intellettiv|ritardo (mentale|cognitivo|psicomotorio|dello sviluppo)|disturbo (del neurosviluppo|dello sviluppo)|paralisi cerebrale|tetraplegi|pluridisabil|disabilita (grave|complessa|psichica|fisica|motoria)", 0.85, expand="disabilita autismo"),
    _c("disability", r"\bdisabil|\bhandicap|portatore di", 0.6, "disabled", expand="disabilita"),
    _c("disability", r"\bcdd\b|\bcse\b|\bsfa\b|\bceod\b|centro diurno (per )?disabil|centro socio.?educativ|formazione all.?autonomia|laboratorio (protetto|occupazional)|\bcss\b|comunita alloggio|dopo di noi", 0.9, expand="centro diurno disabili laboratorio autonomia"),
    _c("disability", r"insegnante di sostegno|\bpei\b|neuropsichiatr|\bnpi\b|educatore (a casa|domiciliare|di sostegno)|assistenza educativa|\boepa?c?\b", 0.75, "child", expand="educativa domiciliare minori disabilita"),
    _c("disability", r"\bl\W{0,2}104\b|legge 104|art\W{0,2}3 c(omma)?\W{0,2}3|invalidita civile|\binv\W{0,2}civ|invalid[oa] al \d+|accompagnamento \(indennita\)|indennita di accompagnamento", 0.25, "disabled", expand="legge 104 invalidita"),
    _c("disability", r"non vedente|ciec[oa]\b|ipovedent|sord[oa]\b|sordita|non udente", 0.7, expand="disabilita sensoriale"),
    _c("disability", r"\badhd\b|iperattivit|disturbo (del comportamento|oppositivo)", 0.5, "child"),
    # --- income_support --------------------------------------------------------------
    _c("income_support", r"bollett\w*[^.;]{0,40}(arretrat|non pagat|scadut|insolut|sospes|staccat|rate|rateizz)|(arretrat|non pagat|scadut|insolut)\w*[^.;]{0,30}bollett|distacco (del|della) (gas|luce|contatore)|staccato (il gas|la luce)", 0.9, expand="bollette rateizzazione bonus sociali"),
    _c("income_support", r"\bbollett", 0.6, expand="bollette"),
    _c("income_support", r"pacc(o|hi) (alimentar|viveri)|banco alimentare|buon[oi] spesa|emporio|tessera (a punti|spesa)|caritas|centro d.ascolto|mensa (dei poveri|solidale|caritas)|vestiario", 0.85, expand="pacchi alimentari buoni spesa emporio"),
    _c("income_support", r"contributo economico|aiuto economico|sostegno economico|sussidio|un aiuto (per|con) (le spese|l.affitto|la caparra)|aiuto (con|per) (le|la) spes|(un )?aiut\w* (in denaro|con i soldi)|fondo (di )?solidariet", 0.9, expand="contributo economico fondo solidarieta"),
    _c("income_support", r"difficolta economic|problemi economici|in difficolta (con i soldi|economica)|non (arriv\w+|arriviamo|ce la fa\w*) (a fine mese|con i soldi)|a fine mese (non|resto|restiamo|siamo|sono|mangi\w*)|senza (soldi|reddito|entrate)|\bmorosit|non ha (soldi|entrate|reddito)|zero entrate|nessun reddito|a secco", 0.85, expand="contributo economico sostegno reddito"),
    _c("income_support", r"pension(e|cina) (minima|sociale|bassa)|assegno sociale|minimo della pensione|solo la pensione", 0.6, expand="contributo economico"),
    _c("income_support", r"\bnaspi\b|disoccupazione|cassa integrazione|\bcig\b|fine (della )?naspi|ammortizzator", 0.5, expand="fondo solidarieta"),
    _c("income_support", r"reddito di (cittadinanza|inclusione)|\brdc\b|assegno di inclusione|\badi\b (sospes|scadut|terminat|respint)|carta (acquisti|dedicata)", 0.7, expand="contributo economico"),
    _c("income_support", r"\bdebit|\bfinanziari|\bprestit|\busur|pignorament|rate (arretrate|non pagate)|mutuo[^.;]{0,40}(non riesc|arretrat|rate|paga|pesa)", 0.6, expand="microcredito fondo solidarieta"),
    _c("income_support", r"lavor\w* (saltuar|in nero|a chiamata|occasional)|lavoretti|in nero", 0.5, expand="contributo economico"),
    _c("income_support", r"(tenut\w|spent\w) (spento )?il riscaldamento|senza riscaldamento|riscaldamento spento|al freddo", 0.65, expand="bollette bonus"),
    _c("income_support", r"spese (mediche|impreviste|scolastiche|del funerale)|non (riesce|riesco|riescono) a pagare|non puo pagare|non puo permetters|troppo car[oa]", 0.55, expand="fondo solidarieta contributo"),
    _c("income_support", r"licenziat|perso il lavoro|senza lavoro|disoccupat|chiusura (del reparto|dell.azienda)|fallit", 0.4, expand="fondo solidarieta"),
    # --- housing -----------------------------------------------------------------------
    _c("housing", r"\bsfratt|esecuzione (dello )?sfratto|ufficiale giudiziario", 0.9, expand="emergenza abitativa alloggio sfratto"),
    _c("housing", r"casa popolare|case popolari|alloggi\w* (popolar|erp|comunal|pubblic)|\berp\b|\baler\b|\bater\b|edilizia (residenziale )?pubblica|graduatoria (della )?casa", 0.9, expand="alloggio edilizia residenziale"),
    _c("housing", r"affitt\w*[^.;]{0,30}(arretrat|non pagat|indietro|morosit)|(arretrat|morosit)[^.;]{0,40}affitt|mensilita (di affitto )?arretrat|padrone di casa|proprietario (di casa|dell.appartamento)", 0.9, expand="contributo affitto morosita"),
    _c("housing", r"contributo (per l.)?affitto|aiuto (per|con) l.affitto|canone|fondo (sostegno )?affitt|pagare l.affitto|l.affitto (e|pesa|costa|si mangia)", 0.75, expand="contributo affitto locazione canone"),
    _c("housing", r"senza (casa|dimora|un tetto|fissa dimora)|senzatetto|dorm\w* (in (macchina|auto|stazione|strada)|per strada|da (un amico|amici|parenti))|dormitorio|asilo notturno|ospite da|vive in (macchina|auto|roulotte)", 0.9, expand="emergenza abitativa alloggio temporaneo"),
    _c("housing", r"(cerca|trovare|cercando) (una )?(casa|alloggio|appartamento|sistemazione)|deve lasciare (la casa|l.appartamento|l.alloggio)|scade il contratto (di affitto|d.affitto)|contratto (di affitto |d.affitto )?in scadenza|caparra", 0.75, expand="alloggio casa"),
    _c("housing", r"casa (inadeguata|insalubre|fatiscente|troppo piccola)|muffa|sovraffollat|in \d+ in (un|una) (monolocale|stanza|bilocale)|barriere architettoniche", 0.6, expand="housing sociale alloggio"),
    _c("housing", r"housing sociale|canone (calmierato|concordato|agevolato)|coabitazion|social housing", 0.9, expand="housing sociale canone calmierato"),
    _c("housing", r"violenza domestic|maltrattament|uscire di casa con i (bambini|figli)|casa rifugio|centro antiviolenza", 0.5, expand="alloggio protetto emergenza"),
    # --- health ------------------------------------------------------------------------
    _c("health", r"fisioterap|fisiokinesi|riabilitazion|rieducazion|\bfkt\b", 0.85, expand="fisioterapia riabilitazione"),
    _c("health", r"infermier|medicazion|piaghe|lesioni da decubito|prelievi|iniezion|terapia (insulinic|endovena)|\badi\b", 0.6, expand="infermiere domicilio medicazioni"),
    _c("health", r"visit[ae] (special|medic|cardio|oculist|ortoped|neurolog|di controllo)|specialist|(lista|liste|tempi|mesi) (d.|di )attesa[^.;]{0,40}(visit|esam|specialist|ortoped|cardiol|oculist|neurolog|ssn|asl|ulss|fisio|riabilit|risonanz|tac|ecograf)|(visit|esam|fisio|riabilit|risonanz)[^.;]{0,40}(lista|liste|tempi|mesi) (d.|di )attesa", 0.6, expand="visite specialistiche"),
    _c("health", r"palestra|attivita (fisica|motoria)|ginnastica|muovers|fare movimento|camminare di piu|sedentari|\bafa\b|piscina", 0.6, expand="attivita motoria ginnastica adattata"),
    _c("health", r"diabet|scompenso|cardiopat|infarto|\bictus\b|stent|bypass|ipertension|\bbpco\b|insufficienza (renale|respiratoria|cardiaca)|dialisi|ossigeno", 0.35, expand="malattie croniche infermiere"),
    _c("health", r"tumor|oncolog|chemio|radioterap|cancro", 0.35, expand="oncologia"),
    _c("health", r"frattur|protesi (d.anca|di ginocchio|al ginocchio)|operat[oa] (al|alla|all|di|ieri)|intervento (chirurgic|al|alla)|post.?operatori", 0.55, expand="fisioterapia riabilitazione ortopedica"),
    _c("health", r"mal di schiena|artrosi|dolor[ei]|lombalgi|cervical|ernia", 0.5, expand="fisioterapia"),
    _c("health", r"sovrappeso|obesit|dieta|nutrizion|dimagr|(perso|calato)[^.;]{0,10}\d+ ?kg|perdita di peso|non mangia", 0.55, expand="prevenzione nutrizione"),
    _c("health", r"parkinson|sclerosi|malattia (cronica|rara|neurolog)|patologi\w* croni|pluripatolog|gambe gonfie|cronicit", 0.3, expand="malattie croniche"),
    _c("health", r"dentist|cure dentali|protesi dentari|occhiali|apparecchio acustico|screening|prevenzione|vaccin", 0.6, expand="visite prevenzione"),
    _c("health", r"non (va|vuole andare) (dal|dai) medic|salute (peggiorat|fragile)|sta (male|peggiorando)|peggiorat[oa]", 0.35),
    # --- mental_health -----------------------------------------------------------------
    _c("mental_health", r"psicolog|psicoterap|psichiatr|\bcps\b|\bcsm\b|terapeuta", 0.9, expand="psicologo colloqui psicoterapia"),
    _c("mental_health", r"\bansi[ae]\b|ansios|attacchi di panico|\bpanico\b|depress|esaurimento|burn.?out|crisi di pianto|piange|disperat", 0.8, expand="ansia depressione sostegno psicologico"),
    _c("mental_health", r"non dorm|dorme (male|poco|fino a)|insonni|incubi|non riesc\w+ a dormire", 0.45, expand="sostegno psicologico"),
    _c("mental_health", r"\blutto\b|vedov\w+ da (poco|\d+ mes|pochi)|(e )?mort[oa] (il|la) (marito|moglie|figli|compagn)|ha perso (il|la) (marito|moglie|figli|compagn)|perdita (del|della) (marito|moglie|figli)", 0.6, expand="lutto sostegno psicologico gruppo"),
    _c("mental_health", r"stress|sempre tes[oa]|nervos|irritabil|scatt\w* per niente|crollo", 0.6, expand="stress sostegno psicologico"),
    _c("mental_health", r"autolesion|si taglia|tagli sulle braccia|suicid|farla finita|non vuole (piu )?vivere|pensieri (brutti|di morte)", 0.95, expand="psicologo urgenza"),
    _c("mental_health", r"spacca tutto|aggressiv|scatti d.ira|rabbia|violent[oa] con|salta la scuola|non va (piu )?a scuola|abbandono scolastic|ritiro sociale|chiuso in camera|videogioc|dipendenza da (internet|telefono|videogiochi)", 0.6, expand="adolescenti sostegno psicologico consultorio"),
    _c("mental_health", r"\bconsultori|mediazione familiare|separazione (conflittuale|difficile)|conflitt\w* (in famiglia|di coppia)|litig", 0.6, expand="consultorio famiglia mediazione"),
    _c("mental_health", r"\balcol|beve\b|beve (troppo|molto)|gioco d.azzardo|slot|ludopat|dipendenz|droga|sostanze|\bsert\b|\bserd\b", 0.7, expand="dipendenze sostegno"),
    _c("mental_health", r"(ha|hanno) smesso di (uscire|fare|vedere)|non ha (piu )?voglia di|apati|si e chius[oa]|chius[oa] in casa|non esce (piu )?(di casa|dalla stanza)|si sta lasciando andare|non si cura piu", 0.4, expand="sostegno psicologico isolamento"),
    _c("mental_health", r"violenza (domestic|subit|psicologic)|maltrattat|picchiat", 0.7, expand="centro antiviolenza sostegno psicologico"),
    # --- caregiver_support -------------------------------------------------------------
    _c("caregiver_support", r"caregiver|familiare che assiste|assiste (la|il|sua|suo) (madre|padre|mamma|papa|marito|moglie|figli|suocer|nonn|sorell|fratell)|si prende cura (della|del|di)|accudisce|badare (alla|al) (madre|padre|mamma|papa|marito|moglie)", 0.6, "dependent", expand="caregiver familiari assistono"),
    _c("caregiver_support", r"non ce la (faccio|fa|facciamo|fanno) piu|non ne (posso|puo|possiamo) piu|(e|sono|sei) a pezzi|non reggo|allo stremo|esaust|sfinit|stremat|distrutt[oa]|sono a pezzi|al limite|crollare|non (ho|ha) (piu )?un attimo|sempre di corsa|di corsa", 0.7, "dependent", neg=True, expand="sollievo caregiver sostegno"),
    _c("caregiver_support", r"non dorm\w* piu|non dormire piu|notti (in bianco|insonni)|(chiama|telefona)[^.;]{0,30}(notte|alle \d)|di notte[^.;]{0,30}(corre|va da|si alza)|si alza di notte", 0.6, "dependent", neg=True, expand="sollievo caregiver"),
    _c("caregiver_support", r"ferie|permessi (dal lavoro|retribuiti)|part.?time per (seguir|accudir|assister|stare)|ridott\w+ (l.orario|le ore)|lasciato il lavoro per|aspettativa|congedo straordinario", 0.55, "dependent", expand="sollievo conciliazione caregiver"),
    _c("caregiver_support", r"sollievo|un po di respiro|tirare il fiato|staccare|riposare|qualcuno che (la|lo|mi|ci) (sostituisca|dia il cambio)|dare il cambio|non (usciamo|esco|escono|esce) (mai )?da sol[ie]|non (usciamo|esco) (piu|mai)", 0.7, "dependent", neg=True, expand="sollievo domiciliare sostituisce familiare"),
    _c("caregiver_support", r"\b(va|vado|passa|passo|corre|corro)\b[^.;]{0,25}(tre|due|quattro|piu) volte al giorno|tutti i giorni da (lei|lui)|(va|corre|passa) da (lei|lui|sua madre|suo padre)|tutto (sulle|su di) (mie|sue) spalle|da sol[oa] a (gestire|seguire|occuparsi)|nessuno (mi|la|lo) aiuta|non collabora|(fratell|sorell)\w* (all.estero|lontan|non (aiuta|collabora))|vive lontano", 0.55, "dependent", neg=True, expand="caregiver sollievo"),
    _c("caregiver_support", r"auto mutuo aiuto|gruppo (di )?(sostegno|ama)|formazione (per )?caregiver|corso (per )?caregiver|sportello badant|(trovare|cercare|assumere|contratto|regolarizzare) (una |la )?badant|sostituzione (della )?badante|badante (in ferie|se ne va|licenziat)", 0.7, "dependent", expand="sportello badanti gruppo caregiver formazione"),
    # --- employment --------------------------------------------------------------------
    _c("employment", r"(cerca|cercare|trovare|trovargli|trovarle|trovi)[^.;]{0,20}(lavoro|occupazione|impiego|un posto di lavoro)|chi (vuole che )?(mi|lo|la) (prend|assum)|(vorrebbe|vorrei|vuole|desidera) (lavorare|tornare a lavorare|un lavoro)|trovare qualcosa", 0.9, expand="orientamento lavoro curriculum"),
    _c("employment", r"curricul|\bcv\b|colloqui di lavoro|centro per l.impiego|\bcpi\b|agenzia (interinale|per il lavoro)|offerte di lavoro|candidatur|bilancio (delle|di) competenze", 0.85, expand="orientamento lavoro curriculum"),
    _c("employment", r"\bcorso\b[^.;]{0,30}(qualific|formazion|professional|\boss\b|\basa\b|patentino|muletto|saldat|informatica|cuoc|lavoro)|riqualific|qualifica|fare (la|l) ?oss|diventare oss|formazione professionale|patentino", 0.75, expand="corso formazione qualifica"),
    _c("employment", r"tirocin|\bstage\b|borsa lavoro|inserimento lavorativo|collocamento mirato|\bl\W{0,2}68\b|legge 68|categorie protette|\bsil\b", 0.85, expand="tirocinio inserimento lavorativo"),
    _c("employment", r"disoccupat|senza lavoro|perso il lavoro|licenziat|contratto[^.;]{0,25}non (e stato )?rinnovat|in mobilita|fine contratto|rimast[oa] a casa dal lavoro|inoccupat|neet", 0.55, expand="orientamento lavoro"),
    # --- work_life_balance -------------------------------------------------------------
    _c("work_life_balance", r"commissioni|pratiche|sbrigare|disbrigo|code (agli|in) (sportell|posta|banca)|burocrazia|giri (negli|per) uffici|ritirare (referti|pacchi|ricette)|incombenze", 0.75, expand="disbrigo pratiche commissioni"),
    _c("work_life_balance", r"maggiordomo|portineria aziendale|lavanderi|stireria|stirare|spesa a (casa|domicilio)|consegna (della )?spesa|salva.?tempo|servizi (di )?conciliazione|concilia\w*|tempo per (me|se|noi)|non (ho|ha|abbiamo) (mai )?tempo", 0.8, expand="maggiordomo aziendale spesa domicilio lavanderia"),
    _c("work_life_balance", r"turni (di notte|notturni|sulle 24|a rotazione)|turnist|orari (impossibili|lunghi|scomodi)|tutto il giorno (al|in) (lavoro|ufficio)|pendolar|fuori casa (dalle|tutto)", 0.35, expand="conciliazione"),
    # --- social_inclusion --------------------------------------------------------------
    _c("social_inclusion", r"solitudin|\bisolat[oa]\b(?! da)|isolament|si sente sol|(parla|parlo)\W{0,3}solo\W{0,3}(col|con il|con la|con le|con i|alla|al)\b|non vede (mai )?nessuno|nessuno con cui (parlare|uscire)|non ha (nessun|piu|degli|amici)|senza amici|(non|nessuno) (lo|la) (viene a trovare|cerca)|(andarla|andarlo|venirla|venirlo) a trovare|compagnia", 0.85, expand="compagnia solitudine anziani soli incontro"),
    _c("social_inclusion", r"(ha|hanno) smesso di (andare|frequentare|uscire)|smesso[^.;]{0,40}(coro|palestra|bar|circolo|amici|parrocchia|bocce)|esce solo per|non esce (piu|mai)|non esce di casa|sempre in casa|passa (le giornate|il tempo|tutto il giorno)[^.;]{0,30}(computer|tv|televisione|telefono|casa|letto|videogioc)|chius[oa] in casa", 0.45, expand="socialita attivita incontro aggregazione"),
    _c("social_inclusion", r"(corso|corsi|scuola) di italiano|imparare (l.)?italiano|(non )?parla (poco|male|solo)[^.;]{0,25}(italiano|urdu|arabo|inglese|francese|cinese|bengalese|wolof|albanese|rumeno|spagnolo)|non parla (l.)?italiano|lingua italiana|alfabetizzazion|leggere e scrivere", 0.85, expand="corso italiano stranieri lingua"),
    _c("social_inclusion", r"mediazione (culturale|linguistica)|mediatore|interprete|appena arrivat|arrivat\w+ (da poco|in italia)|ricongiungimento|da poco in italia|richiedent\w+ asilo|protezione (internazionale|sussidiaria)|permesso di soggiorno", 0.5, expand="mediazione culturale stranieri"),
    _c("social_inclusion", r"centro (di )?aggregazion|centro giovani|\boratorio|spazio giovani|gruppo di coetanei|amici della sua eta|fare amicizia|socializzare|stare con altri", 0.7, expand="aggregazione giovani socialita"),
    _c("social_inclusion", r"\bvive (da )?sol[oa]\b|rimast[oa] sol[oa]|vedov", 0.3, "elderly", expand="anziani soli compagnia"),
    _c("social_inclusion", r"(farl[aoie]|farci|farmi) uscire|(qualche|un.) attivita (per|dove|da fare)|(attivita|occasioni) (di|per) socializzare|tenersi impegnat|occupare (il|le) (tempo|giornate)", 0.7, expand="attivita socialita incontro"),
    _c("social_inclusion", r"videogioc|(sempre|tutto il giorno|le notti|ore) (al|sul|col) (computer|telefono|cellulare|tablet)", 0.35, "child", expand="aggregazione giovani"),
    # --- mobility ----------------------------------------------------------------------
    _c("mobility", r"non guid\w* piu|non (puo|potra) (piu )?guidare|non (ha|ha piu) (la )?(macchina|auto|patente)|senza (auto|macchina|patente|mezzi)|venduto (la macchina|l.auto)|ritirato la patente|non ha chi (lo|la) porti|nessuno che (lo|la|li) porti", 0.8, neg=True, expand="trasporto sociale accompagnamento"),
    _c("mobility", r"(?<!azienda di )(?<!ditta di )(?<!auto)\btrasport[oi]\b|accompagnament\w* (a|ad|al|alle|ai|agli|per|verso|in|dal|dai)\b|accompagnar\w*|portar\w* (a|alle|ai|in|dal)[^.;]{0,20}(visit|controll|terapi|dialisi|ospedal|ambulator|centro|esam|medic|fisioterap|scuola|laboratori)|chi (la|lo|li|le) porti|taxi sociale|pulmino|navetta|un passaggio", 0.75, expand="trasporto accompagnamento visite"),
    _c("mobility", r"corriera|autobus|mezzi pubblici|pullman|treno|fermata|prende (un|il) taxi|in taxi|pedana", 0.5, expand="trasporto sociale"),
    _c("mobility", r"(visite|controlli|terapie|dialisi|chemio|esami)[^.;]{0,40}(ospedale|ambulatori|a \w+)[^.;]{0,30}(lontan|km|non ha|come (ci )?arriv)", 0.5, expand="accompagnamento visite trasporto"),
)


# Second-tier phrasings: indirect ways people describe the same needs at a social point.
INTAKE_CUES += (
    _c("mobility", r"smesso di guidare|patente (restituit|ritirat|scadut|sospes|non rinnovat)|non (ha|hanno|abbiamo) mai (avuto|preso) (l.auto|la macchina|la patente)|la patente non l.(ha|hanno) mai|nessuno[^.;]{0,40}(guida|puo portarl|(li|la|lo) port)|non c.e nessuno che (possa|puo) portarl|(la|lo|li) accompagnava|(in|con l.) ?autobus[^.;]{0,20}cambi|carrozzina non entra|non ha (piu )?chi (la|lo|li) accompagn", 0.75, neg=True, expand="trasporto sociale accompagnamento visite"),
    _c("work_life_balance", r"pause? pranzo|(tra|al|col|dal|con il) (caf|inps|patronato|anagrafe|ats)\b|sportell\w+ (aprono|apre|chiudono)|anagrafe|carta d.identita|rinnov\w+ (della|del) (carta|document|patente|permesso)|camicie|lavatric|faccende di casa|scartoffie|moduli da compilare|ordina online|non (ho|ha|abbiamo) (mai )?un attimo", 0.6, expand="disbrigo pratiche commissioni lavanderia"),
    _c("employment", r"qualcosa di fisso|(farebbe|farei|fare) qualsiasi (cosa|lavoro)|pur di lavorare|ripartire con (un )?(part|lavoro)|tornare (al|a) lavor|rientrare nel mondo del lavoro|un (lavoro|impiego|posto) (fisso|stabile|per l.inverno|vero)|\bun full.?time\b|corso di aggiornamento|(solo|ha) la licenza media|senza (diploma|qualifica)|lavor\w* in nero|perso il posto|uscire dai turni|lavoro (precario|a chiamata)|cerca (un )?impiego|(lavoro|contratto|impiego) (vero|regolare|che duri)|lavor\w* tutto l.anno|vorrei (lavorare )?di piu|piu ore (di lavoro)?|non studia ne lavora|\bneet\b|fare (il|la) (meccanic|cuoc|elettricist|idraulic|parrucchier|barist|magazzinier|commess|estetist|oss\b)", 0.65, expand="orientamento lavoro formazione"),
    _c("housing", r"(deve|devono|dovra|dovranno|dobbiamo|devo)[^.;]{0,30}(lasciar|andarsene|andare via|liberar|restituir)|(va|vanno) restituit|non (sanno|so|sa) dove andar|(un )?posto dove andare|non rinnov\w*[^.;]{0,20}(contratto|affitto)|(contratto|affitto)[^.;]{0,30}non (rinnov|proroga)|contratto (transitorio|in scadenza)|posto letto|stanza in affitto|vive in una stanza|dorme nella stanza|non (li|lo|l.)?\s?ha (pagat|saldat)|affitto di \w+ non|non me lo posso permettere|(aumento|aumentat\w*) (dell.|l.)?affitto|\d+ ?€ in piu dal rinnovo", 0.7, expand="alloggio emergenza abitativa contributo affitto"),
    _c("income_support", r"costa troppo|non (basta|bastano|ci bastano)|(riesc\w+|riesco) nemmeno a (comprar|pagar)|rinunciat\w*[^.;]{0,30}(perche costa|per i soldi|per (il|i) cost)|volantino|si salta|saltare i pasti|sul conto (ha |ho )?(solo )?\d+|resto a secco|conto in rosso|pensione (minima|di \d+)|pensioni per \d|spese[^.;]{0,20}(non ce la|troppo)|non ce la (facciamo|fa|faccio) con", 0.55, expand="contributo economico buoni spesa"),
    _c("mental_health", r"commuov|lacrim|non serv\w* (piu )?a nessuno|senso di colpa|bagna (ancora )?il letto|\bgrapp|bicchier|per riuscire a dormire|troppo silenzios|la cerca nel letto|umore (basso|a terra|nero)|triste|tristezza|non ride piu|chiede di continuo (della|del) (mamma|papa)|urla(ndo|re)?\b|si sveglia (urlando|piangendo|terrorizzat)|traum|non riesce a concentrarsi|preso di mira|bullismo|bullizzat", 0.6, expand="sostegno psicologico lutto"),
    _c("caregiver_support", r"non (ho|ha) (una|un|mai una?) (sera|giorno|weekend|settimana|momento) (libera|libero|di ferie|per se|per me)|che non (faccio|fa) (una|un) (settimana|giorno) di ferie|addormentat\w* al volante|schiena (rotta|a pezzi)|rovinat\w* la schiena|(tirarlo|tirarla|alzarlo|alzarla|sollevarlo|sollevarla) (su )?dal letto|ci vogliono due persone|(lo|la) aiuto io|(mi|si) sent\w* (svuotat|in trappola)|non ho piu una vita|licenziat\w* per (seguir|accudir|assister|stare)|finito i permessi|(fa|faccio|facciamo|fanno) (io|lei|lui|noi|loro) (l.)?(alzata|igiene|terapia|doccia|bagno|medicazion)|(alzata|igiene|terapia)[^.;]{0,30}(ogni|tutte le) (mattin|sera|giorn|nott)", 0.65, "dependent", neg=True, expand="sollievo caregiver sostegno familiari"),
    _c("elderly_care", r"non si (lava|rade|veste)|pane e (formaggio|latte)|scatolett|pasta in bianco|mangia (poco|male|pane)|piatti accumulat|disordine|trascurat|paura di scivolar|vasca (e )?alta|bottone|(ciondolo|medaglione|pulsante|bottone) (da tenere )?al collo|assistente familiare|aiuto per (lavarl|vestirl)", 0.6, "elderly", neg=True, expand="assistenza domiciliare igiene pasti"),
    _c("social_inclusion", r"non frequenta (piu )?nessuno|non conosce nessuno|non vede (piu |mai )?nessuno|nessun amico|l.unico amico|(ha|hanno) lasciato (il|la|lo) (calcio|sport|palestra|coro|squadra|oratorio|gruppo)|senza scambiare (una )?parol|perso (i |gli )?(vecchi )?amici|non entra (mai )?nessuno|non apre a nessuno|(tv|televisione) accesa|non (va|scende) piu (al|in|a)\b|non lo si vede|non la si vede|si sentono (solo )?(a natale|la domenica|raramente)|un po.? di compagnia|(la|lo) sente solo", 0.65, expand="compagnia socialita contrasto isolamento"),
    _c("health", r"pap.?test|mammograf|visita al seno|saltat\w* (tutti )?i controlli|controlli (fermi|saltati|rimandati)|rimand\w*[^.;]{0,25}(visit|oculist|dentist|esam|controll)|(caviglie|piedi) (molto )?gonfi|fiato corto|affanno|logoped|psicomotricit|endovena|antibiotic|ipoglicemi|glicemi|insulin|pressione (alta|a \d+)|colesterol|check.?up|non (lo|la) vede da|medico (di famiglia|di base) non", 0.6, expand="visite prevenzione controlli"),
    _c("disability", r"(a cosa|cosa) (abbiamo|ha|hanno) diritto|quali (diritti|agevolazioni)|diritti[^.;]{0,20}104", 0.5, "disabled", expand="sportello disabilita diritti"),
    _c("childcare", r"(restano|resta|stanno|sta) (a casa )?da sol[iaeo]|a chi lasciar|chi (li|la|lo) tiene|(li|la|lo) parchegg|non sapevamo[^.;]{0,30}nido", 0.75, "child", expand="doposcuola pre post scuola"),
)

# Phrases saying a need is NOT there, or is already covered (applied to the whole note).
ABSENT_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (need, re.compile(p))
    for need, p in (
        ("income_support", r"economicamente (stanno|sta|stiamo|va) bene|(nessun|senza|non ha|non hanno|non abbiamo) (particolar\w* )?(problem\w*|difficolta) economic|situazione economica (buona|tranquilla|serena|solida|discreta)|non (ha|hanno) bisogno di soldi|soldi non (mancano|sono un problema)|reddito (buono|adeguato|sufficiente)|i soldi ci sono"),
        ("housing", r"casa (di proprieta|e (sua|loro|di proprieta))|(nessun|senza|non ha|non hanno) (problem\w* (di|con la) casa|problemi abitativi)|abitano in una casa (di proprieta|loro)|la casa (non e un problema|e a posto)|(proprietari|proprietaria|proprietario) (della|di) casa"),
        ("employment", r"(e|sono|va) in pensione|pensionat|non cerc\w* (piu )?(un |altro )?(lavoro|altro)|il lavoro (ce l.ha|c.e|non manca)|lavora (gia|regolarmente)|(ha|hanno) (gia )?(un )?lavoro (stabile|fisso|a tempo indeterminato)|contratto a tempo indeterminato"),
        ("mobility", r"guida ancora|(ha|hanno) (ancora )?la (macchina|patente)|(la|lo|li) accompagna (sempre )?(il|la|lei|lui|suo|sua)|non serve (il )?trasporto|trasporto (non (mi |ci |gli |le )?serve|non e necessario|lo fa)|(la macchina|l.auto) ce l.(ho|ha|abbiamo)|(li|la|lo) porto io|guid\w* (ancora|un.auto|la (sua )?macchina)|si muove (da sol|in autonomia|autonomamente)"),
        ("childcare", r"(per (i|il) (bambin|bimb|piccol|figli)\w*|i (bambini|figli)) (ci pensa|ci sono|c.e|stanno (con|dai)) (la |i )?nonn|(nido|centro estivo|doposcuola|babysitter|tata)[^.;]{0,30}(ce l.(ha|abbiamo|hanno) gia|c.e gia|gia trovat|gia iscritt|gia (lo|la) frequenta|l.(abbiamo|hanno|ha) (gia )?trovat)|(va|vanno|frequenta|frequentano) (gia )?(al|il) nido|(ha|hanno) (gia )?(il|un) posto (al|nel) nido|gia (iscritt|inserit)[oaie]? (al|alla|nel) (nido|centro estivo|doposcuola)"),
        ("elderly_care", r"(la |una )?badante (c.e gia|ce l.ha|e gia presente|convivente gia|si trova bene|c.e e)|(gia|e gia) (seguit|in carico|inserit)[oa]? (dal|al|nel|in) (sad|adi|centro diurno|rsa|cdi)|l.assistenza (domiciliare )?(ce l.ha|c.e) gia|(autosufficiente|autonom[oa]) (in tutto|per ora|nelle attivita)|e (ancora )?autosufficiente|non vuole (sentir parlare di|andare in) (rsa|casa di riposo|struttura)"),
        ("disability", r"(va|frequenta|frequentano) (gia )?(il |al |all.|l.)?(cdd|cse|sfa|ceod|centro diurno)\b|per lui non chied|gia (inserit|seguit)[oa] (al|dal|nel) (cdd|cse|sfa|ceod|centro diurno|npi)"),
        ("mental_health", r"(seguit\w*|in carico)[^.;]{0,15}\b(al|alla|dal|dalla|da|dallo|presso)( un| una| il| lo| la| l.)? ?(psicolog|psichiatr|cps|csm|consultorio|sert|serd|centro di salute mentale|cav|centro antiviolenza)|lo psichiatra lo vede|la terapia[^.;]{0,20}funziona|va gia (dallo|da uno|dalla) psicolog|(lo )?psicologo (ce l.ha|c.e gia)"),
        ("health", r"(la )?fisioterapia (ce l.ha|la fa gia|c.e gia|gia attiv)|(e|e gia) seguit[oa] (dall.adi|dall.infermier)"),
        ("caregiver_support", r"(non|nessuna) (si sente|e) (stanc|affaticat)|se la cava bene|(regge|gestisce) bene"),
        ("work_life_balance", r"(ha|hanno) (tempo|orari flessibili)|smart working (tutti i giorni|quasi sempre)"),
        ("social_inclusion", r"(frequenta|va) (gia )?(al |il )?(cpia|corso di italiano)|(ha|hanno) (tanti|molti) amici|vita sociale (attiva|piena|ricca)|esce (spesso|tutti i giorni) con"),
    )
)

# Negation and "already met" triggers, looked for near a cue in the same clause.
NEGATION_BEFORE = re.compile(
    # the negation must govern the cue: short window, and no new coordinated clause between
    r"\b(non|nessun[oa]?|senza|ne|mai|niente|nemmeno|neanche|neppure|non ha bisogno d\w*|non serve|non servono|non chiede|non cerca|non vuole)\b"
    r"(?:(?! e | ed | che | ma | pero )[^,;.]){0,22}$"
)
ALREADY_MET_AFTER = re.compile(
    r"^[^,;.]{0,40}\b(ce l.(ha|hanno|abbiamo)( gia)?|c.e gia|ci sono gia|e gia (attiv|presente|in carico|seguit|inserit|garantit|assicurat)\w*|(l.|li |lo |la )?(ha|hanno|abbiamo) gia (trovat|attivat|ottenut|avut)\w*|gia (attiv|trovat|ottenut|presente|garantit|coperto)\w*|(e |sono )?attiv[oaie]\b|non (mi |ti |gli |le |ci |vi |li )?(serve|servono|interessa|interessano|occorre)|non (ha|hanno|abbiamo|ho) (piu )?bisogno|(e|sono) (gia )?(conclus|terminat|finit)[oaie]\b|(sta|stanno) gia (facendo|frequentando|seguendo)|(la|lo|li) fa(nno)? gia|non (e|sono) necessari\w*|non (e|sono) (un )?problem\w*|e a posto|funziona bene)"
)
ALREADY_MET_BEFORE = re.compile(
    r"\b(e|sono) (gia )?(inserit|iscritt|seguit|in carico)\w*\b[^,;.]{0,25}$|\b(ha gia|hanno gia|abbiamo gia|gia (ha|hanno|frequenta|frequentano|va|vanno|usa|usufruisce|beneficia|riceve|percepisce)|e gia|sono gia|frequenta gia|va gia|riceve gia)\b[^,;.]{0,30}$"
)

# Service-side cues: how catalogue names and descriptions talk about each need.
# (need, pattern, weight); matches in the service NAME count more than in the description.
SERVICE_CUES: tuple[tuple[str, re.Pattern[str], float], ...] = tuple(
    (need, re.compile(p), w)
    for need, p, w in (
        ("childcare", r"\bnido|micronido|sezione primavera|scuola dell.infanzia|\bbabysitt|baby.?sitter|\btata\b|pre.?scuola|post.?scuola|pre e post|centr[oi] estiv|\bgrest\b|\bcre\b|campus|\bcamp\b|settimane (estive|al lago|in montagna)|estate (ragazzi|bimbi)|\bragazzi dai? \d|doposcuola|compiti|ludoteca|spazio gioco|bambin|bimb|\bminori\b|infanzia|0.?(3|6) anni", 0.9),
        ("elderly_care", r"anzian|\bsad\b|assistenza domiciliare|over ?(6|7|8)\d|terza eta|\brsa\b|residenza sanitaria|casa di riposo|centro servizi|centro diurno integrato|\bcdi\b|alzheimer|demenz|non autosufficien|pasti a domicilio|pasto|telesoccorso|teleassistenza|badant|custode sociale", 0.85),
        ("disability", r"disabil|\bcdd\b|\bcse\b|\bsfa\b|\bceod\b|\bcss\b|handicap|autis|legge 104|\bl\W?104\b|invalidita|sostegno educativo|assistenza educativa|educativa domiciliare|inclusiv|adattat|baskin|dopo di noi|neuropsichiatr", 0.85),
        ("income_support", r"contribut\w* economic|sostegno al reddito|buon[oi] spesa|emporio|pacch?[oi] alimentar|banco alimentare|fondo (di )?solidariet|bollett|bonus sociali|microcredit|prestit|mensa|vestiario|difficolta economic|spesa gratis|tessera a punti|carta (spesa|famiglia|acquisti)|ricarica|aiuti economici|caritas|centro d.ascolto", 0.85),
        ("housing", r"affitt|locazion|canone|alloggi|abitativ|housing|sfratt|casa popolare|edilizia|appartament|dormitorio|accoglienza notturna|senza dimora", 0.85),
        ("health", r"fisioterap|riabilitaz|infermier|ambulatori|visit[ae] (medic|special)|\bvisite\b|\bmedic[oi]\b|prevenzione|screening|ginnastica|attivita (fisica|motoria)|\bafa\b|palestra|cardio|diabet|\bcronic|salute|gruppi? di cammino|camminat|nutrizion|dentist|odontoiatr", 0.8),
        ("mental_health", r"psicolog|psicoterap|ascolto|consultorio|sostegno psicologico|ansia|lutto|depress|mediazione familiare|mediatrice familiare|separa(zione|ti|te|ndo)|genitorialita|benessere emotivo|dipendenz|gruppo di sostegno", 0.85),
        ("caregiver_support", r"caregiver|sollievo|familiari che assistono|chi assiste|chi si prende cura|auto mutuo aiuto|\bama\b|sportello badant|assistenti familiari|formazione (per )?(familiari|caregiver)|sostituisce il familiare|dare respiro", 0.85),
        ("employment", r"lavor|occupazion|orientamento|curricul|tirocin|formazione professionale|qualifica|\boss\b|corso di \d+ ore|inserimento lavorativo|collocamento|competenze|impiego|disoccupat", 0.85),
        ("work_life_balance", r"maggiordomo|portineria|conciliazion|commissioni|disbrigo|pratiche|lavanderi|stireria|spesa a (domicilio|casa)|consegna(no)? (a casa )?(la|della) spesa|salva.?tempo|dipendenti delle imprese", 0.85),
        ("social_inclusion", r"aggregazion|socialit|solitudin|isolament|compagnia|incontro|italiano per stranieri|lingua italiana|corsi di italiano|mediazione culturale|mediator|intercultur|integrazione|tombola|gite|centro giovani|spazio giovani|\boratorio|amicizia|anziani soli|adolescenti e giovani", 0.75),
        ("mobility", r"trasport|accompagnament|navetta|pulmino|taxi sociale|auto attrezzat|mobilita|spostament", 0.9),
    )
)

# Services that replace living at home: a last resort, suggested when the notes ask for it.
RESIDENTIAL_SERVICE = re.compile(r"\brsa\b|residenza sanitaria|casa di riposo|centro servizi (per )?anziani|residenzial|ricovero (definitivo|di sollievo|temporaneo)|comunita alloggio|posti letto")
RESIDENTIAL_REQUEST = re.compile(r"\brsa\b|casa di riposo|ricover|struttura|residenzial|inserimento (in|definitivo)|non (si puo|possiamo|riesco) (piu )?(tenerl|gestirl)|posto letto|centro servizi")

# A sentence that says its need is covered ("per la bimba è a posto: è inserita al nido",
# "di giorno c'è una badante fissa, su quello nessun problema") makes every cue in it "met",
# unless a contrast ("ma", "però") separates the two.
COVERED_SENTENCE = re.compile(
    r"\b(e|sono|siamo) (gia |tutto )?a posto|si trova(no)? bene|(quella parte|questo|quello|tutto) (e )?copert|(e|sono) (tutto |gia )?copert\w*|"
    r"nessun problema|(gia|e gia|sono gia) (attiv|inserit|iscritt|seguit|in carico)\w*|(lo|la|li) (faccio|fa|fanno) (ancora|gia)|"
    r"non (chiede|chiedo|chiedono|chiediamo) (niente|nulla)|per (lui|lei|loro) non (chiedo|serve|servono)|(ci|li|la|lo) (tiene|tengono) (la nonna|il nonno|i nonni|la zia)|"
    r"funziona (bene|benissimo)|(e|sono) (ben )?seguit\w* (benissimo|bene)|(siamo|sono|e|sta|stanno|stiamo) tranquill|va bene cosi|"
    r"(e|sono|si dice|si dicono|si sente|si sentono) (content|copert)|\bcopert[oaie]\b|non (c.e|ci sono) (problemi|bisogno)"
)
CONTRAST = re.compile(r"\b(ma|pero|invece|mentre|tuttavia)\b")

# Main-need rules of the domain vocabulary that word counts alone get wrong.
MAIN_NEED_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    # respite for disabled people is a disability service (contract vocabulary)
    (re.compile(r"sollievo|respiro"), "disability", r"disabil|autis|handicap|pluridisab"),
    # self-help groups and care-worker desks are for the family carer
    (re.compile(r"auto mutuo aiuto|\bama\b|sportello (badant|assistent)|assistenti familiari"), "caregiver_support", r"."),
    # grocery delivery is a work-life balance service even when it serves older people
    (re.compile(r"spesa a (casa|domicilio)|consegna(no)? (a casa )?(la|della) spesa"), "work_life_balance", r"."),
    # escorting to visits is mobility, not health
    (re.compile(r"accompagnament|trasport|navetta"), "mobility", r"."),
    # a service named for disabled people is a disability service first
    (re.compile(r"disabil|autis|handicap|\bcdd\b|\bcse\b|\bsfa\b|\bceod\b"), "disability", r"."),
)
