"""Name pools for people and organizations."""

# Name pools. Spanish-speaking countries use two surnames; Andean and Mesoamerican pools mix
# in Quechua/Aymara and Mayan surnames.
ES_MALE = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Pedro", "Manuel", "Francisco", "Víctor", "Edwin", "Wilmer",
    "Hernán", "Óscar", "Julio", "Fredy", "Rubén", "Raúl", "Segundo", "Elmer", "Santos", "Marco Antonio", "Juan Carlos",
    "José Luis", "Ángel", "Efraín", "Rigoberto", "Nelson", "Alcides", "Teófilo", "Andrés", "Fabio", "Orlando", "Germán",
    "Álvaro", "Héctor", "Ramón", "Sebastián", "Joaquín", "Tomás",
)  # fmt: skip
ES_FEMALE = (
    "María", "Rosa", "Ana", "Carmen", "Luz", "Marisol", "Yolanda", "Gladys", "Elena", "Martha", "Juana", "Flor",
    "Isabel", "Sonia", "Patricia", "Nelly", "Blanca", "Teresa", "Lucía", "Maribel", "Sandra", "Dora", "Rocío",
    "Ana María", "María Elena", "Hilda", "Norma", "Liliana", "Yaneth", "Gloria", "Mercedes", "Esperanza", "Consuelo",
    "Inés", "Mónica", "Verónica",
)  # fmt: skip
ES_SURNAMES = (
    "García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Sánchez", "Ramírez", "Torres",
    "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz",
    "Jiménez", "Mendoza", "Álvarez", "Castillo", "Vásquez", "Romero", "Herrera", "Medina", "Aguilar", "Vargas",
    "Guzmán", "Muñoz", "Rojas", "Osorio", "Castaño", "Restrepo", "Cardona", "Zamora", "Solís", "Méndez", "Velásquez",
    "Pineda", "Zelaya", "Orellana", "Benítez", "Báez", "Acosta", "Santana", "Peralta", "Espinoza", "Núñez", "Fuentes",
)  # fmt: skip
ANDEAN_SURNAMES = (
    "Quispe", "Mamani", "Huamán", "Condori", "Choque", "Ccori", "Huaranga", "Ticona", "Apaza", "Yupanqui", "Cusi",
    "Paucar", "Villca", "Limachi", "Guamán", "Chimbo", "Tenesaca", "Tarrillo", "Guevara", "Delgado", "Cárdenas",
    "Chamba", "Jaramillo", "Huanca", "Ccahuana",
)  # fmt: skip
MAYA_SURNAMES = ("Girón", "Tzoc", "Caal", "Xol", "Choc", "Ajú", "Sántiz", "Gómez", "Pérez", "Cuxil", "Tecún", "Chel")
PT_MALE = (
    "João", "José", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Luiz", "Marcos", "Sebastião", "Geraldo",
    "Raimundo", "Edson", "Valdir", "João Paulo", "Rogério", "Márcio",
)  # fmt: skip
PT_FEMALE = (
    "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda", "Aparecida", "Sandra",
    "Luciana", "Rosângela", "Maria José", "Cláudia", "Vânia",
)  # fmt: skip
PT_SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Ribeiro",
    "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento",
    "Moreira", "Teixeira", "Costa", "Mendes", "Pinto", "Araújo", "Conceição",
)  # fmt: skip
FR_MALE = (
    "Jean", "Pierre", "Joseph", "Wilner", "Jacques", "Frantz", "Rony", "Dieudonné", "Luckner", "Ernso", "Wilson",
    "Jean-Claude", "Fritznel", "Emmanuel", "Jean-Baptiste", "Fénel",
)  # fmt: skip
FR_FEMALE = (
    "Marie", "Rose", "Nadège", "Guerline", "Mireille", "Yolette", "Roseline", "Marie-Claire", "Fabiola", "Nicole",
    "Islande", "Edeline", "Bernadette",
)  # fmt: skip
FR_SURNAMES = (
    "Joseph", "Pierre", "Jean", "Louis", "Charles", "Baptiste", "Jean-Baptiste", "Michel", "Paul", "Étienne", "Désir",
    "Noël", "François", "Augustin", "Alexis", "Cadet", "Dorvil", "Estimé", "Fils-Aimé", "Jeune", "Saint-Fleur",
)  # fmt: skip
EN_MALE = (
    "Winston", "Leroy", "Desmond", "Clive", "Delroy", "Errol", "Marlon", "Kelvin", "Andrew", "Michael", "Anthony",
    "Lennox", "Randolph", "Garfield", "Junior", "Dwayne",
)  # fmt: skip
EN_FEMALE = (
    "Sharon", "Marcia", "Jennifer", "Claudette", "Beverly", "Patricia", "Sandra", "Joan", "Yvonne", "Annette",
    "Hyacinth", "Gloria", "Cheryl",
)  # fmt: skip
EN_SURNAMES = (
    "Williams", "Brown", "Thomas", "Charles", "Joseph", "John", "Baptiste", "James", "Henry", "Campbell", "Thompson",
    "Grant", "Clarke", "Francis", "Alexander", "Edwards", "George", "Samuel", "Daniel", "Peters", "Richards",
)  # fmt: skip
BZ_SURNAMES = ("Coc", "Sho", "Pop", "Cal", "Chun", "Ramírez", "Castillo", "Gentle", "Young", "Tillett", "Cawich")

# Evocative names Latin American cooperatives take ("Nuevo Amanecer", "Sol y Café").
PLACES_ES = (
    "Nueva Esperanza", "Flor de Café", "Sol y Café", "Valle Verde", "Los Andes", "La Unión", "Unión y Progreso",
    "Tierra Nueva", "Nuevo Amanecer", "Frontera Sur", "Monte Verde", "El Progreso", "Las Nubes", "Río Verde",
    "Bosque Verde", "Cerro Azul", "La Esperanza", "Montaña Verde", "Agua Dulce", "Brisas del Valle", "Sierra Azul",
    "Alto Bosque", "Manos Unidas", "Tierra Fértil", "Semilla de Vida",
)  # fmt: skip
PLACES_PT = ("Nova Esperança", "Terra Boa", "Vale Verde", "Serra Azul", "Boa Vista", "Santa Luzia", "Bom Jesus")
PLACES_FR = ("Espérance", "Bon Avenir", "Nouvelle Vie", "Union Paysanne", "Solidarité", "Belle Vue")
PLACES_EN = ("Hillside", "Blue Mountain", "Riverside", "Windward", "Valley View", "Green Hills")
SAINTS_ES = ("San Juan", "Santa Rosa", "San Pedro", "San Francisco", "San José", "Santa Cruz", "San Martín")
COMPANY_WORDS = (
    "Santa Lucía", "La Esmeralda", "El Rosal", "San Jorge", "Los Álamos", "La Primavera", "El Paraíso", "Santa Teresa",
    "La Fortuna", "Las Palmas", "El Edén", "San Rafael", "La Aurora", "Monteverde", "Bellavista", "La Victoria",
)  # fmt: skip

# Product words for names, per naming style: (noun, cooperative adjective, plural adjective).
PRODUCT_WORDS: dict[str, dict[str, tuple[str, str, str]]] = {
    "es": {
        "coffee": ("Café", "Cafetalera", "Cafetaleras"), "cocoa": ("Cacao", "Cacaotera", "Cacaoteras"),
        "banana": ("Banano", "Bananera", "Bananeras"), "cane-sugar": ("Caña de Azúcar", "Cañera", "Cañeras"),
        "fresh-fruit": ("Frutas", "Frutícola", "Frutícolas"), "fruit-juices": ("Cítricos", "Citrícola", "Citrícolas"),
        "dried-fruit": ("Frutos Secos", "Agrícola", "Agrícolas"), "honey": ("Miel", "Apícola", "Apícolas"),
        "quinoa": ("Quinua", "Quinuera", "Quinueras"), "herbs-spices": ("Hierbas y Especias", "Agrícola", "Agrícolas"),
        "nuts": ("Castaña", "Agroextractivista", "Agroextractivistas"),
        "vegetables": ("Hortalizas", "Hortícola", "Hortícolas"), "cereals": ("Granos", "Agrícola", "Agrícolas"),
        "flowers": ("Flores", "Florícola", "Florícolas"), "wine-grapes": ("Uva", "Vitivinícola", "Vitivinícolas"),
    },
    "pt": {
        "coffee": ("Café", "Cafeicultores", ""), "cocoa": ("Cacau", "Cacauicultores", ""),
        "banana": ("Banana", "Bananicultores", ""), "cane-sugar": ("Cana-de-Açúcar", "Canavieiros", ""),
        "fresh-fruit": ("Frutas", "Fruticultores", ""), "fruit-juices": ("Laranja", "Citricultores", ""),
        "honey": ("Mel", "Apicultores", ""), "nuts": ("Castanha", "Extrativistas", ""),
    },
    "fr": {
        "coffee": ("Café", "Caféière", "Caféières"), "cocoa": ("Cacao", "Cacaoyère", "Cacaoyères"),
        "fresh-fruit": ("Mangue", "Fruitière", "Fruitières"),
    },
    "en": {
        "coffee": ("Coffee", "", ""), "cocoa": ("Cocoa", "", ""), "banana": ("Banana", "", ""),
        "cane-sugar": ("Cane", "", ""), "honey": ("Honey", "", ""), "fresh-fruit": ("Fruit", "", ""),
        "herbs-spices": ("Nutmeg", "", ""),
    },
}  # fmt: skip
